import { EntityManager } from 'typeorm';

/**
 * Builds one SQL statement from data-modifying CTEs contributed by several repositories, numbering
 * parameters across them. A page of a crawl is written in one such statement: one round trip, so no lock
 * taken inside it is held across a trip back to the client.
 */
export class StatementBuilder {
  readonly params: unknown[] = [];
  private readonly ctes: string[] = [];
  /** Read-only CTEs (e.g. a NOTIFY) that must run: Postgres skips unreferenced ones. */
  private readonly required: string[] = [];

  param(value: unknown, cast?: string): string {
    this.params.push(value);
    return `$${this.params.length}${cast ? `::${cast}` : ''}`;
  }

  with(name: string, sql: string, opts: { required?: boolean } = {}): this {
    this.ctes.push(`${name} AS (${sql})`);
    if (opts.required) this.required.push(name);
    return this;
  }

  get empty(): boolean {
    return this.ctes.length === 0;
  }

  sql(): string {
    const select = this.required.length ? `SELECT ${this.required.map((n) => `(SELECT count(*) FROM ${n})`).join(', ')}` : 'SELECT 1';
    return this.ctes.length ? `WITH ${this.ctes.join(',\n')}\n${select}` : select;
  }

  async run(m: EntityManager): Promise<void> {
    if (!this.empty) await m.query(this.sql(), this.params);
  }
}
