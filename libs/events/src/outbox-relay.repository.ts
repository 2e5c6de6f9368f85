import { RelayRow, USER_EVENT_COLUMNS } from './user-event-row';
import type { SqlRunner } from './sql-runner';

/** Channel the relay notifies after marking events published: the HTTP feed serves only those. */
export const PUBLISHED_CHANNEL = 'user_events_published';

/**
 * The relay's SQL, on its own connection with synchronous commit and RAW_JSON_TYPES.
 *
 * Page transactions commit without waiting for the WAL flush (see dataSourceOptions), so a committed event
 * is not yet durable. Every read below therefore also writes (the previous batch's mark, and a no-op touch of
 * the first row it reads): its commit must then flush the WAL up to its own commit record, which lies after
 * the commit records of every row it read. Nothing the relay publishes can be lost by a Postgres crash.
 */
export class OutboxRelayRepository {
  constructor(private readonly sql: SqlRunner) {}

  /**
   * Marks `mark` published, then reads up to `limit` unpublished events after `after` (durably, see above).
   * One round trip, so the relay marks batch n-1 and reads batch n+1 while batch n is being XADDed.
   * Sequences are gap-free, so the batch is the range [first, first + limit): bounded whatever the planner's
   * estimates (a plain ORDER BY … LIMIT on a freshly filled table can sort the whole backlog every time).
   */
  readBatch(mark: [string, string] | null, after: string, limit: number): Promise<RelayRow[]> {
    const [from, to] = mark ?? ['1', '0'];
    return this.sql(
      `WITH marked AS (
         UPDATE user_events SET published_at = now() WHERE sequence BETWEEN $1 AND $2 AND published_at IS NULL
       ), head AS (
         SELECT min(sequence) AS first FROM user_events WHERE sequence > $3 AND published_at IS NULL
       ), touched AS (
         UPDATE user_events SET published_at = NULL WHERE sequence = (SELECT first FROM head) AND published_at IS NULL
       )
       SELECT ${USER_EVENT_COLUMNS} FROM user_events
       WHERE sequence >= (SELECT first FROM head) AND sequence < (SELECT first FROM head) + $4 AND published_at IS NULL
       ORDER BY sequence`,
      [from, to, after, limit],
    );
  }

  async markPublished(fromSequence: string, toSequence: string): Promise<void> {
    await this.sql(
      'UPDATE user_events SET published_at = now() WHERE sequence BETWEEN $1 AND $2 AND published_at IS NULL',
      [fromSequence, toSequence],
    );
  }

  /** Wakes the feed's waiting clients, once marks are committed. */
  async announcePublished(toSequence: string): Promise<void> {
    await this.sql('SELECT pg_notify($1, $2)', [PUBLISHED_CHANNEL, toSequence]);
  }

  async lastAssigned(): Promise<string> {
    const [{ last }] = await this.sql('SELECT last::text AS last FROM event_sequence');
    return last;
  }

  /**
   * Deletes up to `batch` published events older than `cutoff`, always a prefix of the sequence, so the
   * retained window stays contiguous and the feed can tell a pruned sequence by the gap it leaves.
   */
  async prune(cutoff: Date, batch: number): Promise<number> {
    // Only the head of the sequence, up to the first row that must stay: O(batch) whatever the table's size.
    const [{ n }] = await this.sql(
      `WITH head AS (
         SELECT sequence, (published_at IS NOT NULL AND time < $1) AS prunable
         FROM user_events ORDER BY sequence LIMIT $2
       ), gone AS (
         DELETE FROM user_events
         WHERE sequence <= (SELECT max(sequence) FROM head)
           AND sequence < COALESCE((SELECT min(sequence) FROM head WHERE NOT prunable), 9223372036854775807)
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM gone`,
      [cutoff, batch],
    );
    return n;
  }
}
