import { PgConnections, SyncRunEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** sync_runs: one row per crawl, its checkpoint and its counters. */
@Injectable()
export class SyncRunsRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly pg: PgConnections,
  ) {}

  /**
   * The run a crawl job works on: the service's running run when a job is retried, resumed or
   * recovered after a stall; else a new run, which continues a failed run's checkpoint (and its
   * seen set, through crawl_id) rather than starting over from page one.
   */
  async startOrResume(accountSid: string, serviceSid: string, trigger: string, firstPageUrl: string): Promise<{ run: SyncRunEntity; resumed: boolean }> {
    return this.ds.transaction(async (m) => {
      // Serialises concurrent starts for one service (the unique index would otherwise fail one of them).
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`run:${serviceSid}`]);
      const running = await m.findOne(SyncRunEntity, { where: { serviceSid, status: 'running' } });
      if (running) return { run: running, resumed: true };
      const last = await m.findOne(SyncRunEntity, { where: { serviceSid }, order: { id: 'DESC' } });
      const resumeFrom = last?.status === 'failed' && last.checkpointUrl ? last : null;
      const [{ id }] = await m.query(`SELECT nextval('sync_runs_id_seq')::text AS id`);
      const crawlId = resumeFrom?.crawlId ?? id;
      await m.query(
        `INSERT INTO sync_runs (id, crawl_id, account_sid, service_sid, status, trigger, checkpoint_url)
         VALUES ($1, $2, $3, $4, 'running', $5, $6)`,
        [id, crawlId, accountSid, serviceSid, trigger, resumeFrom?.checkpointUrl ?? firstPageUrl],
      );
      // No other crawl of the service runs or can be resumed any more: the seen sets of those that ended
      // without clearing theirs (failed in the sweep, removed, cut off) go now.
      await m.query(
        `DELETE FROM sync_seen s USING sync_runs r WHERE s.crawl_id = r.crawl_id AND r.service_sid = $1 AND s.crawl_id <> $2`,
        [serviceSid, crawlId],
      );
      const run = await m.findOneOrFail(SyncRunEntity, { where: { id } });
      return { run, resumed: resumeFrom !== null };
    });
  }

  /** Requests that did not produce a page (429s, retried faults) still count. */
  async recordAttempts(runId: string, requests: number, throttled: number, retries: number): Promise<void> {
    if (!requests && !throttled && !retries) return;
    await this.pg.rows(
      'UPDATE sync_runs SET requests = requests + $2, throttled = throttled + $3, retries = retries + $4 WHERE id = $1',
      [runId, requests, throttled, retries],
    );
  }

  /** Whether every run of this crawl passed every record: a crawl that rejected any must not sweep. */
  async crawlHadRejections(crawlId: string): Promise<boolean> {
    const [{ n }] = await this.pg.rows<{ n: number }>('SELECT COALESCE(sum(rejected), 0)::int AS n FROM sync_runs WHERE crawl_id = $1', [crawlId]);
    return n > 0;
  }

  /**
   * Ends a run. `endCrawl`: the crawl is over (it succeeded, or cannot be resumed), so its seen set goes, in
   * the same transaction: a run still `running` always has its seen set, or a retried job would sweep
   * against an empty one and point-fetch every user. `dropCheckpoint`: the next run starts from page one.
   */
  async finish(
    runId: string,
    status: 'succeeded' | 'failed' | 'removed',
    error: string | null,
    opts: { endCrawl?: string; dropCheckpoint?: boolean } = {},
  ): Promise<SyncRunEntity> {
    return this.ds.transaction(async (m) => {
      await m.query(
        `UPDATE sync_runs SET status = $2, error = $3, finished_at = now(), checkpoint_url = CASE WHEN $4 THEN NULL ELSE checkpoint_url END
         WHERE id = $1`,
        [runId, status, error, opts.dropCheckpoint ?? false],
      );
      if (opts.endCrawl) await m.query('DELETE FROM sync_seen WHERE crawl_id = $1', [opts.endCrawl]);
      return m.getRepository(SyncRunEntity).findOneByOrFail({ id: runId });
    });
  }
}
