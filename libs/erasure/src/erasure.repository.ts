import { PgConnections } from '@app/database';
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { eraseSql, EXPIRED_VICTIMS, ONE_VICTIM } from './erasure.statements';

/** What one erasure statement did. */
export interface ErasedBatch {
  /** Tombstones erased (or erased again). */
  sids: string[];
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

  /** Up to `limit` tombstones deleted before `cutoff` and not yet erased. */
  eraseExpired(cutoff: Date, limit: number, beforeCommit: (b: ErasedBatch) => Promise<void>): Promise<ErasedBatch> {
    return this.inTransaction(eraseSql(EXPIRED_VICTIMS), [cutoff.toISOString(), limit], beforeCommit);
  }

  /** One tombstone, whenever it was deleted; null when there is no tombstone of that sid (a live user, or none). */
  async eraseOne(sid: string, beforeCommit: (b: ErasedBatch) => Promise<void>): Promise<ErasedBatch | null> {
    const batch = await this.inTransaction(eraseSql(ONE_VICTIM), [sid], beforeCommit);
    return batch.sids.length ? batch : null;
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
        const batch: ErasedBatch = { sids: rows[0].sids ?? [], events: rows[0].events, sequences: rows[0].sequences ?? [] };
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
