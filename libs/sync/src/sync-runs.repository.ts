import { PgConnections, SyncRunEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** Runs in a row that may fail at one checkpoint before it is set aside and the crawl starts over. */
export const CHECKPOINT_MAX_FAILURES = 3;

export interface StartedRun {
  run: SyncRunEntity;
  resumed: boolean;
  /** Pages the crawl's earlier runs wrote (a resumed crawl counts them against CRAWL_MAX_PAGES). */
  crawlPages: number;
}

/** sync_runs: one row per crawl, its checkpoint and its counters. */
@Injectable()
export class SyncRunsRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly pg: PgConnections,
  ) {}

  /**
   * The run a crawl job works on: the service's running run when a job is retried, resumed or recovered after a
   * stall; else a new run, which continues a failed run's checkpoint (and its seen set, through crawl_id) rather
   * than starting over from page one, unless the last CHECKPOINT_MAX_FAILURES runs all failed at that checkpoint:
   * then it is set aside (a page that fails every time would stop the service for good) and the run says so.
   * `crawlPages`: the pages the crawl's earlier runs wrote, for CRAWL_MAX_PAGES.
   */
  async startOrResume(accountSid: string, serviceSid: string, trigger: string, firstPageUrl: string): Promise<StartedRun> {
    return this.ds.transaction(async (m) => {
      // Serialises concurrent starts for one service (the unique index would otherwise fail one of them).
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`run:${serviceSid}`]);
      const running = await m.findOne(SyncRunEntity, { where: { serviceSid, status: 'running' } });
      if (running) return { run: running, resumed: true, crawlPages: await this.crawlPagesBefore(m, running) };
      const recent = await m.find(SyncRunEntity, { where: { serviceSid }, order: { id: 'DESC' }, take: CHECKPOINT_MAX_FAILURES });
      const last = recent[0];
      const resumable = last?.status === 'failed' && last.checkpointUrl ? last : null;
      const setAside =
        resumable !== null && recent.length === CHECKPOINT_MAX_FAILURES && recent.every((r) => r.status === 'failed' && r.checkpointUrl === resumable.checkpointUrl);
      const resumeFrom = setAside ? null : resumable;
      const note = setAside
        ? `the checkpoint ${resumable!.checkpointUrl} failed ${CHECKPOINT_MAX_FAILURES} runs in a row (last: ${resumable!.error ?? 'no error recorded'}): set aside, this run starts from the first page`
        : null;
      const [{ id }] = await m.query(`SELECT nextval('sync_runs_id_seq')::text AS id`);
      const crawlId = resumeFrom?.crawlId ?? id;
      await m.query(
        `INSERT INTO sync_runs (id, crawl_id, account_sid, service_sid, status, trigger, checkpoint_url, note)
         VALUES ($1, $2, $3, $4, 'running', $5, $6, $7)`,
        [id, crawlId, accountSid, serviceSid, trigger, resumeFrom?.checkpointUrl ?? firstPageUrl, note],
      );
      // No other crawl of the service runs or can be resumed any more: the seen sets of those that ended
      // without clearing theirs (failed in the sweep, removed, cut off, set aside) go now.
      await m.query(
        `DELETE FROM sync_seen s USING sync_runs r WHERE s.crawl_id = r.crawl_id AND r.service_sid = $1 AND s.crawl_id <> $2`,
        [serviceSid, crawlId],
      );
      const run = await m.findOneOrFail(SyncRunEntity, { where: { id } });
      return { run, resumed: resumeFrom !== null, crawlPages: await this.crawlPagesBefore(m, run) };
    });
  }

  /** Pages written by the crawl's runs before this one. */
  private async crawlPagesBefore(m: EntityManager, run: SyncRunEntity): Promise<number> {
    const [{ n }] = await m.query('SELECT COALESCE(sum(pages), 0)::int AS n FROM sync_runs WHERE crawl_id = $1 AND id <> $2', [run.crawlId, run.id]);
    return n;
  }

  /** Pages of the service's last successful run: what a run in progress is measured against (null before the first). */
  async lastSucceededPages(serviceSid: string): Promise<number | null> {
    const rows = await this.pg.rows<{ pages: number }>(
      `SELECT pages FROM sync_runs WHERE service_sid = $1 AND status = 'succeeded' ORDER BY id DESC LIMIT 1`,
      [serviceSid],
    );
    return rows[0]?.pages ?? null;
  }

  /** Requests that did not produce a page (429s, retried faults) still count. */
  async recordAttempts(runId: string, requests: number, throttled: number, retries: number): Promise<void> {
    if (!requests && !throttled && !retries) return;
    await this.pg.rows(
      'UPDATE sync_runs SET requests = requests + $2, throttled = throttled + $3, retries = retries + $4 WHERE id = $1',
      [runId, requests, throttled, retries],
    );
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
