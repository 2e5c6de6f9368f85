import { OutboxRepository, UserChange } from '@app/events';
import { TwilioClient, TwilioNotFoundError, TwilioUser } from '@app/twilio';
import { changedFields, StatementBuilder } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { PageWriter, RunContext } from './page-writer.service';
import { SyncRunsRepository } from './sync-runs.repository';
import { UsersRepository } from './users.repository';

const BATCH = 200;
const CONFIRM_CONCURRENCY = 4;
const TWILIO_NOT_FOUND = 20404;

/**
 * Finds deletions by mark and sweep, since Twilio sends no user-deleted webhook. Runs only after a crawl
 * reached the last page cleanly: the live users it did not see are candidates, and each is confirmed by a
 * point fetch before it is tombstoned. A 200 means paging drift hid it: it is written like any page.
 * Any other answer stops the sweep; the job is retried and the sweep resumes. Nothing is deleted on doubt.
 */
@Injectable()
export class DeletionSweep {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly users: UsersRepository,
    private readonly runs: SyncRunsRepository,
    private readonly writer: PageWriter,
    private readonly outbox: OutboxRepository,
  ) {}

  /** `signal`: the crawl must stop (its lock was lost): no further batch starts, fetches in flight are aborted. */
  async run(ctx: RunContext, client: TwilioClient, log: Logger, signal?: AbortSignal): Promise<number> {
    if (await this.runs.crawlHadRejections(ctx.crawlId)) {
      log.warn('crawl rejected some records: deletion sweep skipped, nothing deleted');
      return 0;
    }
    let deleted = 0;
    let after = '';
    for (;;) {
      signal?.throwIfAborted();
      const candidates = await this.users.unseen(this.ds.manager, ctx.serviceSid, ctx.crawlId, after, BATCH);
      if (!candidates.length) break;
      after = candidates[candidates.length - 1];
      const found: TwilioUser[] = [];
      const gone: string[] = [];
      await mapLimit(candidates, CONFIRM_CONCURRENCY, signal, async (sid, stop) => {
        try {
          found.push(await client.fetchUser(ctx.serviceSid, sid, stop));
        } catch (e) {
          // Only Twilio's own "no such user" confirms a deletion; a bare 404 (a proxy, a wrong path) is doubt.
          if (e instanceof TwilioNotFoundError && e.code === TWILIO_NOT_FOUND) gone.push(sid);
          else if (e instanceof TwilioNotFoundError) throw new Error(`point fetch of ${sid}: ${e.message}, without Twilio's code ${TWILIO_NOT_FOUND}: not taken as a deletion`);
          else throw e;
        }
      });
      await this.runs.recordAttempts(ctx.runId, candidates.length, 0, 0); // one point fetch each
      signal?.throwIfAborted();
      if (found.length) {
        await this.writer.writeUsers(ctx, found);
        log.info({ count: found.length }, 'users missed by paging drift found by point fetch');
      }
      deleted += await this.tombstone(ctx, gone);
    }
    if (deleted) log.info({ deleted }, 'deletions confirmed and tombstoned');
    return deleted;
  }

  liveCount(serviceSid: string): Promise<number> {
    return this.users.countLive(this.ds.manager, serviceSid);
  }

  private async tombstone(ctx: RunContext, sids: string[]): Promise<number> {
    if (!sids.length) return 0;
    return this.ds.transaction(async (m) => {
      const before = await this.users.tombstone(m, sids);
      const changes: UserChange[] = before.map(({ user, attributesText }) => ({
        op: 'deleted',
        before: user,
        after: null,
        changed: changedFields(user, null),
        attributesText: { before: attributesText, after: null },
      }));
      const b = new StatementBuilder();
      this.runs.addCountsInto(b, ctx.runId, { deleted: changes.length });
      this.outbox.appendInto(b, { accountSid: ctx.accountSid, serviceSid: ctx.serviceSid, runId: ctx.runId }, changes);
      await b.run(m);
      return changes.length;
    });
  }
}

/**
 * `fn` over items, `limit` at a time. The first failure (or `outer` aborting) stops the others: no new item
 * starts and the ones in flight are aborted, so a 429 parks the job without the rest of the batch still
 * hitting the upstream.
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
