import type { SqlRunner } from '../sql-runner';
import { USER_EVENT_COLUMNS, UserEventRow } from '../user-event-row';

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
  publishedAfter(after: string | null, limit: number): Promise<UserEventRow[]> {
    if (after === null) {
      return this.sql(
        `SELECT ${USER_EVENT_COLUMNS} FROM user_events
         WHERE sequence >= (SELECT min(sequence) FROM user_events) AND sequence < (SELECT min(sequence) FROM user_events) + $1
           AND sequence <= (SELECT published_through FROM relay_state)
         ORDER BY sequence`,
        [limit],
      );
    }
    return this.sql(
      `SELECT ${USER_EVENT_COLUMNS} FROM user_events
       WHERE sequence > $1 AND sequence <= LEAST($1::bigint + $2, (SELECT published_through FROM relay_state)) ORDER BY sequence`,
      [after, limit],
    );
  }

  /**
   * The retained window, in one snapshot: the first sequence still in the outbox (pruning removes a prefix),
   * or the next one to be assigned when the outbox is empty.
   */
  async retainedFrom(): Promise<bigint> {
    const [row] = await this.sql(
      `SELECT (SELECT min(sequence) FROM user_events)::text AS oldest, (SELECT last FROM event_sequence)::text AS last`,
    );
    return row.oldest !== null ? BigInt(row.oldest) : BigInt(row.last) + 1n;
  }
}
