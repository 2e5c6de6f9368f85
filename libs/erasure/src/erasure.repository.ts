import { PgConnections } from '@app/database';
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { eraseSql, EXPIRED_VICTIMS, ONE_VICTIM } from './erasure.statements';

/** What one erasure statement did. */
export interface ErasedBatch {
  /** Tombstones erased (or erased again). */
  sids: string[];
  /** The latest deleted_at among them (null for none). */
  deletedThrough: Date | null;
  /** Their events rewritten in the outbox (those already erased are not counted). */
  events: number;
  /** The sequences of all their events still in the outbox: stream ids `<sequence>-0`. */
  sequences: string[];
}

/**
 * The erasure's SQL. Each batch is one transaction in which `beforeCommit` runs (the stream deletions): if it
 * fails, nothing is erased and the batch is tried again later, so the outbox is never erased while the stream
 * still holds what a later run would no longer know to delete.
 */
@Injectable()
export class ErasureRepository {
  constructor(private readonly pg: PgConnections) {}

  /**
   * Up to `limit` tombstones deleted before `cutoff` and not yet erased; their events too when `events` (see
   * outboxMayHoldEventsBefore).
   */
  eraseExpired(cutoff: Date, limit: number, events: boolean, beforeCommit: (b: ErasedBatch) => Promise<void>): Promise<ErasedBatch> {
    return this.inTransaction(eraseSql(EXPIRED_VICTIMS, { events }), [cutoff.toISOString(), limit], beforeCommit);
  }

  /** One tombstone, whenever it was deleted; null when there is no tombstone of that sid (a live user, or none). */
  async eraseOne(sid: string, beforeCommit: (b: ErasedBatch) => Promise<void>): Promise<ErasedBatch | null> {
    const batch = await this.inTransaction(eraseSql(ONE_VICTIM, { events: true }), [sid], beforeCommit);
    return batch.sids.length ? batch : null;
  }

  /**
   * Whether the outbox may still hold an event written before `time`: its oldest retained event (the head of the
   * sequence, one index probe) is older than that. A user deleted before the cutoff has no event after its deletion,
   * so when the outbox was pruned past the cutoff (EVENTS_RETENTION_HOURS shorter than the retention, the default)
   * its events are gone already, and the erasure need not read the outbox for them.
   */
  async outboxMayHoldEventsBefore(time: Date): Promise<boolean> {
    const [row] = await this.pg.rows<{ may: boolean }>(
      'SELECT COALESCE((SELECT time < $1::timestamptz FROM user_events ORDER BY sequence LIMIT 1), false) AS may',
      [time.toISOString()],
    );
    return row.may;
  }

  async publishedThrough(): Promise<bigint> {
    const [row] = await this.pg.rows<{ p: string }>('SELECT published_through::text AS p FROM relay_state');
    return BigInt(row.p);
  }

  private inTransaction(sql: string, values: unknown[], beforeCommit: (b: ErasedBatch) => Promise<void>): Promise<ErasedBatch> {
    return this.pg.withClient(async (client: PoolClient, discard) => {
      await client.query('BEGIN');
      try {
        const { rows } = await client.query(sql, values);
        const r = rows[0];
        const batch: ErasedBatch = { sids: r.sids ?? [], deletedThrough: r.deleted_through, events: r.events, sequences: r.sequences ?? [] };
        if (batch.sids.length) await beforeCommit(batch);
        await client.query('COMMIT');
        return batch;
      } catch (e) {
        await client.query('ROLLBACK').catch(discard);
        throw e;
      }
    });
  }
}
