import { randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';

// pg's own serialiser of query values (arrays, dates, buffers, JSON): untyped in @types/pg.
const { prepareValue } = (require('pg') as { utils: { prepareValue(v: unknown): string | null } }).utils;

/**
 * Builds one SQL statement from data-modifying CTEs contributed by several repositories, numbering
 * parameters across them.
 *
 * `inline` renders each value as an escaped literal instead of a $n parameter, exactly as pg would have
 * serialised it (prepareValue, then escapeLiteral). Such a statement can go in one simple-protocol message
 * together with BEGIN or COMMIT: a page of a crawl is then written in two round trips, and the outbox's
 * sequence lock, taken in the last statement, is released by the COMMIT in the same message instead of
 * being held across a trip back to the client (which serialised concurrent crawls).
 */
/**
 * An E'' string literal: backslashes and quotes doubled. Same result as pg's escapeLiteral, whose
 * character-by-character loop made a page's ~100 kB of values a garbage-collector storm.
 */
function literal(text: string): string {
  return `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

export class StatementBuilder {
  readonly params: unknown[] = [];
  private readonly ctes: string[] = [];
  /** Read-only CTEs (e.g. a NOTIFY) that must run: Postgres skips unreferenced ones. */
  private readonly required: string[] = [];

  constructor(private readonly inline = false) {}

  param(value: unknown, cast?: string): string {
    const suffix = cast ? `::${cast}` : '';
    if (this.inline) {
      const text = prepareValue(value);
      return `${text === null ? 'NULL' : literal(String(text))}${suffix}`;
    }
    this.params.push(value);
    return `$${this.params.length}${suffix}`;
  }

  /**
   * A JSON document (already serialised) as one value. Inline, it is dollar-quoted: its bytes reach Postgres
   * as they are, with no escaping pass over them, which is most of what building a page's statement cost.
   */
  doc(json: string, cast: 'jsonb' | 'json' = 'jsonb'): string {
    if (!this.inline) return this.param(json, cast);
    let delimiter = '$doc$';
    // The body must not contain the closing delimiter, nor end in a way that forms one with it.
    while ((json + delimiter).indexOf(delimiter) !== json.length) delimiter = `$doc${randomBytes(6).toString('hex')}$`;
    return `${delimiter}${json}${delimiter}::${cast}`;
  }

  with(name: string, sql: string, opts: { required?: boolean } = {}): this {
    this.ctes.push(`${name} AS (${sql})`);
    if (opts.required) this.required.push(name);
    return this;
  }

  get empty(): boolean {
    return this.ctes.length === 0;
  }

  /** `select`: the statement's own result, over the CTEs (default: the required CTEs' counts). */
  sql(select?: string): string {
    select ??= this.required.length ? `SELECT ${this.required.map((n) => `(SELECT count(*) FROM ${n})`).join(', ')}` : 'SELECT 1';
    return this.ctes.length ? `WITH ${this.ctes.join(',\n')}\n${select}` : select;
  }

  async run(m: EntityManager): Promise<void> {
    if (!this.empty) await m.query(this.sql(), this.params);
  }
}
