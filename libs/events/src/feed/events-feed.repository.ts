import type { SqlRunner } from '../sql-runner';
import type { RelayRow } from '../user-event-row';

/**
 * `data` as the JSON text Postgres prints, as the relay reads it: parsed, its numbers past 15 significant digits
 * would be rounded, and the feed would no longer serve what the stream holds.
 */
const FEED_COLUMNS = 'sequence, id, type, account_sid, service_sid, user_sid, time, data::text AS data';

export interface RetainedWindow {
  /** The first sequence still in the outbox (pruning removes a prefix), or `last` + 1 when it is empty. */
  from: bigint;
  /** The last sequence ever assigned: no consumer of this database can have seen a later one. */
  last: bigint;
  /** The relay's watermark: every event up to it is published. */
  publishedThrough: bigint;
}

/**
 * The feed's reads. It serves published events only: the relay made them durable before publishing them
 * (page commits do not wait for the WAL flush), so the feed and the stream show the same events.
 */
export class EventsFeedRepository {
  constructor(private readonly sql: SqlRunner) {}

  /**
   * Published events after `after` (null: from the oldest retained), in sequence order. Sequences are
   * gap-free, so the page is a bounded range of the primary key whatever the planner's estimates.
   */
  publishedAfter(after: string | null, limit: number): Promise<RelayRow[]> {
    if (after === null) {
      return this.sql(
        `SELECT ${FEED_COLUMNS} FROM user_events
         WHERE sequence >= (SELECT min(sequence) FROM user_events) AND sequence < (SELECT min(sequence) FROM user_events) + $1
           AND sequence <= (SELECT published_through FROM relay_state)
         ORDER BY sequence`,
        [limit],
      );
    }
    return this.sql(
      `SELECT ${FEED_COLUMNS} FROM user_events
       WHERE sequence > $1 AND sequence <= LEAST($1::bigint + $2, (SELECT published_through FROM relay_state)) ORDER BY sequence`,
      [after, limit],
    );
  }

  /** The position just before the oldest retained event (null: the outbox is empty). */
  async beforeOldest(): Promise<string | null> {
    const [row] = await this.sql(`SELECT (min(sequence) - 1)::text AS position FROM user_events`);
    return row.position;
  }

  /** The retained window, in one snapshot. */
  async retainedWindow(): Promise<RetainedWindow> {
    const [row] = await this.sql(
      `SELECT (SELECT min(sequence) FROM user_events)::text AS oldest, (SELECT last FROM event_sequence)::text AS last,
              (SELECT published_through FROM relay_state)::text AS through`,
    );
    const last = BigInt(row.last);
    return { from: row.oldest !== null ? BigInt(row.oldest) : last + 1n, last, publishedThrough: BigInt(row.through) };
  }
}
