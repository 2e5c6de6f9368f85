import { MirrorMetrics } from '@app/metrics';
import { CrawlRunRef, MirrorWriter, observeUsers, WriteScope } from '@app/mirror-writer';
import { ReadUser, TwilioClient, TwilioNotFoundError } from '@app/twilio';
import { Injectable } from '@nestjs/common';
import { Logger } from 'pino';
import { SweepRepository } from './sweep.repository';
import { SyncRunsRepository } from './sync-runs.repository';

const BATCH = 200;
const CONFIRM_CONCURRENCY = 4;
const TWILIO_NOT_FOUND = 20404;

/**
 * Finds deletions by mark and sweep, since Twilio sends no user-deleted webhook. Runs only after a crawl
 * reached the last page cleanly: the live users it did not see are candidates (a user whose record was rejected
 * was seen all the same: it exists upstream), and each is confirmed by a point fetch before it is tombstoned. A 200 means paging drift hid it: it is written like any page.
 * Any other answer stops the sweep; the job is retried and the sweep resumes. Nothing is deleted on doubt.
 */
@Injectable()
export class DeletionSweep {
  constructor(
    private readonly sweep: SweepRepository,
    private readonly runs: SyncRunsRepository,
    private readonly writer: MirrorWriter,
    private readonly metrics: MirrorMetrics,
  ) {}

  /** `signal`: the crawl must stop (its lock was lost): no further batch starts, fetches in flight are aborted. */
  async run(scope: WriteScope, run: CrawlRunRef, client: TwilioClient, log: Logger, signal?: AbortSignal): Promise<number> {
    let deleted = 0;
    let after = '';
    for (;;) {
      signal?.throwIfAborted();
      const candidates = await this.sweep.unseen(scope.serviceSid, run.crawlId, after, BATCH);
      if (!candidates.length) break;
      after = candidates[candidates.length - 1];
      const found: ReadUser[] = [];
      const gone: string[] = [];
      // Before any of the batch's requests is sent: a state stored from a read after it outweighs its 20404s.
      const batchSentFrom = Date.now();
      await mapLimit(candidates, CONFIRM_CONCURRENCY, signal, async (sid, stop) => {
        try {
          found.push(await client.readUser(scope.serviceSid, sid, stop));
        } catch (e) {
          // Only Twilio's own "no such user" confirms a deletion; a bare 404 (a proxy, a wrong path) is doubt.
          if (e instanceof TwilioNotFoundError && e.code === TWILIO_NOT_FOUND) gone.push(sid);
          else if (e instanceof TwilioNotFoundError) throw new Error(`point fetch of ${sid}: ${e.message}, without Twilio's code ${TWILIO_NOT_FOUND}: not taken as a deletion`);
          else throw e;
        }
      });
      await this.runs.recordAttempts(run.runId, candidates.length, 0, 0); // one point fetch each
      signal?.throwIfAborted();
      if (found.length) {
        const users = found.flatMap((f) => observeUsers([f.user], scope.serviceSid, { readAt: f.requestedAt }));
        const written = await this.writer.apply({ kind: 'fetched', scope, run, users });
        // Counted as the run counts them (sync_runs.created/updated): found users that had not changed are not.
        this.metrics.usersWritten(scope.serviceSid, { created: written.created, updated: written.updated, deleted: 0, unchanged: 0, rejected: [] });
        log.info({ count: found.length }, 'users missed by paging drift found by point fetch');
      }
      if (gone.length) {
        const tombstoned = await this.writer.apply({ kind: 'gone', scope, run, sids: gone, readAt: batchSentFrom });
        this.metrics.usersWritten(scope.serviceSid, tombstoned);
        deleted += tombstoned.deleted;
      }
    }
    if (deleted) log.info({ deleted }, 'deletions confirmed and tombstoned');
    return deleted;
  }

  liveCount(serviceSid: string): Promise<number> {
    return this.sweep.countLive(serviceSid);
  }
}

/**
 * `fn` over items, `limit` at a time. The first failure (or `outer` aborting) stops the others: no new item
 * starts and the ones in flight are aborted, so a 429 parks the job without the rest of the batch still
 * hitting the upstream. (p-map stops starting items on a failure, but lets the ones in flight run on.)
 */
async function mapLimit<T>(items: T[], limit: number, outer: AbortSignal | undefined, fn: (item: T, signal: AbortSignal) => Promise<void>): Promise<void> {
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !stop.signal.aborted) {
      try {
        await fn(items[next++], stop.signal);
      } catch (e) {
        stop.abort(e);
        throw e;
      }
    }
  });
  try {
    const settled = await Promise.allSettled(workers);
    if (stop.signal.aborted) throw stop.signal.reason;
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
  }
}
