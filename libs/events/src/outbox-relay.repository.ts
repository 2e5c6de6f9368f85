import { RelayRow, USER_EVENT_COLUMNS } from './user-event-row';
import type { SqlRunner } from './sql-runner';

export interface OutboxWatermarks {
  /** relay_state.published_through: every event up to it was put on the stream. */
  publishedThrough: string;
  /** event_sequence.last: the greatest sequence ever assigned. */
  lastAssigned: string;
  /** The smallest sequence still in user_events (older ones were pruned), null for none. */
  oldest: string | null;
}

/** Channel the relay notifies after marking events published: the HTTP feed serves only those. */
export const PUBLISHED_CHANNEL = 'user_events_published';

/**
 * The relay's SQL, on its own connection with synchronous commit and RAW_JSON_TYPES.
 *
 * What is published is one watermark, relay_state.published_through: the relay publishes strictly in sequence
 * order, so a per-row mark would only rewrite every event once more.
 *
 * Page transactions commit without waiting for the WAL flush (see dataSourceOptions), so a committed event
 * is not yet durable. Every read below therefore also writes the watermark: its synchronous commit flushes
 * the WAL up to its own commit record, which lies after the commit records of every row it read. Nothing the
 * relay publishes can be lost by a Postgres crash.
 */
export class OutboxRelayRepository {
  constructor(private readonly sql: SqlRunner) {}

  /**
   * Marks events up to `mark[1]` published, then reads up to `limit` events after max(`after`, the watermark)
   * (durably, see above). One round trip, so the relay marks batch n-1 and reads batch n+1 while batch n is
   * being XADDed. Sequences are gap-free, so the batch is a bounded range of the primary key.
   */
  readBatch(mark: [string, string] | null, after: string, limit: number): Promise<RelayRow[]> {
    return this.sql(
      `WITH w AS (
         UPDATE relay_state SET published_through = GREATEST(published_through, $1::bigint) RETURNING published_through
       )
       SELECT ${USER_EVENT_COLUMNS} FROM user_events, w
       WHERE sequence > GREATEST($2::bigint, w.published_through) AND sequence <= GREATEST($2::bigint, w.published_through) + $3
       ORDER BY sequence`,
      [mark ? mark[1] : '0', after, limit],
    );
  }

  async markPublished(toSequence: string): Promise<void> {
    await this.sql('UPDATE relay_state SET published_through = GREATEST(published_through, $1::bigint)', [toSequence]);
  }

  /** Wakes the feed's waiting clients, once marks are committed. */
  async announcePublished(toSequence: string): Promise<void> {
    await this.sql('SELECT pg_notify($1, $2)', [PUBLISHED_CHANNEL, toSequence]);
  }

  /**
   * Where the outbox stands, for comparing the stream with it: the published watermark, the last sequence ever
   * assigned, and the oldest event still retained (null when the table is empty).
   */
  async watermarks(): Promise<OutboxWatermarks> {
    const [row] = await this.sql(
      `SELECT published_through::text AS published_through,
              (SELECT last::text FROM event_sequence) AS last_assigned,
              (SELECT min(sequence)::text FROM user_events) AS oldest
       FROM relay_state`,
    );
    return { publishedThrough: row.published_through, lastAssigned: row.last_assigned, oldest: row.oldest };
  }

  /** Up to `limit` events in (`after`, `through`], in order: published ones, read again to refill the stream. */
  readRange(after: string, through: string, limit: number): Promise<RelayRow[]> {
    return this.sql(
      `SELECT ${USER_EVENT_COLUMNS} FROM user_events
       WHERE sequence > $1::bigint AND sequence <= $2::bigint
       ORDER BY sequence LIMIT $3`,
      [after, through, limit],
    );
  }

  /**
   * Deletes up to `batch` published events older than `cutoff`, always a prefix of the sequence, so the
   * retained window stays contiguous and the feed can tell a pruned sequence by the gap it leaves.
   */
  async prune(cutoff: Date, batch: number): Promise<number> {
    // Only the head of the sequence, up to the first row that must stay: O(batch) whatever the table's size.
    const [{ n }] = await this.sql(
      `WITH head AS (
         SELECT sequence, (sequence <= (SELECT published_through FROM relay_state) AND time < $1) AS prunable
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
