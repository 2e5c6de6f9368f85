import { ServicesRepository, TwilioAccounts } from '@app/accounts';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { CrawlEnd, MirrorMetrics } from '@app/metrics';
import { Attempts, CrawlRunRef, MirrorWriter, ObservedUser, observeUsers, Rejection, WriteScope } from '@app/mirror-writer';
import { TwilioClient, TwilioRateLimitError } from '@app/twilio';
import { Inject, Injectable } from '@nestjs/common';
import { Logger } from 'pino';
import { classifyCrawlError } from './classify-crawl-error';
import { CrawlLocks } from './crawl-lock';
import { CrawlOutcome, CrawlRequest } from './crawl-outcome';
import { CrawlProgress } from './crawl-progress';
import { CrawlTooLongError, describeError, PagingLoopError } from './crawl-errors';
import { DeletionSweep } from './deletion-sweep.service';
import { fetchEnvelopeWithRetry, FetchedEnvelope, PageFetchError, RetryPolicy } from './page-fetch';
import { SyncRunsRepository } from './sync-runs.repository';
import { UserPages } from './user-pages';

/** A page ready to be written: its users keyed, its records checked. */
interface CrawlPage {
  url: string;
  nextUrl: string | null;
  users: ObservedUser[];
  rejected: Rejection[];
  attempts: Attempts;
}

/** What the crawl asks of whoever runs it (the processor), between pages. */
export interface CrawlHooks {
  /** A page got through: the processor resets what it keeps about throttling. */
  onPageWritten(): Promise<void>;
  /** Whether to stop at this page's checkpoint and hand the job back, so that waiting crawls get a turn. */
  shouldYield(): Promise<boolean>;
}

const NO_HOOKS: CrawlHooks = { onPageWritten: async () => undefined, shouldYield: async () => false };

/**
 * Crawls one service: from the run's checkpoint, follows next_page_url verbatim to the last page, each page
 * written by the MirrorWriter in one transaction with its checkpoint while the next one is already being fetched,
 * then sweeps deletions. Returns how it ended; it knows nothing of the queue (see CrawlProcessor).
 */
@Injectable()
export class CrawlRun {
  private stopping = false;
  private readonly active = new Set<Promise<unknown>>();
  private readonly retry: RetryPolicy;
  private readonly maxPages: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly accounts: TwilioAccounts,
    private readonly services: ServicesRepository,
    private readonly runs: SyncRunsRepository,
    private readonly writer: MirrorWriter,
    private readonly sweep: DeletionSweep,
    private readonly locks: CrawlLocks,
    private readonly metrics: MirrorMetrics,
  ) {
    this.retry = { maxRetries: config.sync.maxRetries, baseMs: config.sync.retryBaseMs, capMs: config.sync.retryCapMs };
    this.maxPages = config.sync.maxPages;
  }

  execute(request: CrawlRequest, hooks: CrawlHooks = NO_HOOKS): Promise<CrawlOutcome> {
    const p = this.lockedCrawl(request, hooks);
    this.active.add(p);
    return p.finally(() => this.active.delete(p));
  }

  /** SIGTERM: each crawl finishes and commits the page in flight, then ends `handed-back`. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.active]);
  }

  private async lockedCrawl(request: CrawlRequest, hooks: CrawlHooks): Promise<CrawlOutcome> {
    const abort = new AbortController();
    const lock = await this.locks.tryAcquire(request.serviceSid, (reason) => abort.abort(reason));
    if (!lock) return { kind: 'locked' };
    try {
      return await this.crawl(request, abort, hooks);
    } finally {
      await lock.release();
    }
  }

  private async crawl(request: CrawlRequest, abort: AbortController, hooks: CrawlHooks): Promise<CrawlOutcome> {
    const { accountSid, serviceSid } = request;
    const scope: WriteScope = { accountSid, serviceSid };
    const client = this.accounts.client(accountSid);
    const { run, resumed, crawlPages } = await this.runs.startOrResume(accountSid, serviceSid, request.trigger, client.firstUsersPageUrl(serviceSid, this.accounts.pageSize));
    const ref: CrawlRunRef = { runId: run.id, crawlId: run.crawlId };
    const log = this.logger.child({ accountSid, serviceSid, runId: run.id, jobId: request.jobId });
    log.info({ resumed: resumed || run.pages > 0, checkpoint: run.checkpointUrl, attempt: request.attempt }, 'crawl started');
    if (run.note) log.warn({ note: run.note }, 'crawl restarted from the first page');
    const progress = new CrawlProgress({ pages: run.pages, users: run.usersSeen }, await this.runs.lastSucceededPages(serviceSid));

    let pageNo = run.pages;
    // Most pages of most crawls are unchanged: after one that was, the next is first tried as a no-op.
    let expectUnchanged = true;
    const pages = new UserPages<FetchedEnvelope, CrawlPage>(
      {
        fetchEnvelope: (url) =>
          fetchEnvelopeWithRetry(client, serviceSid, url, this.retry, abort.signal, (e, attempt, waitMs) =>
            log.warn({ error: describeError(e), attempt, waitMs }, 'transient upstream fault: retrying'),
          ),
        nextUrlOf: (fetched) => fetched.envelope.nextPageUrl,
        read: (fetched) => this.readPage(client, fetched, serviceSid, !expectUnchanged),
        mayContinue: () => !this.stopping,
      },
      run.checkpointUrl,
    );
    // Every page URL this attempt read: paging that leads back to one would go round forever, never sweeping.
    const read = new Set<string>();
    let next = run.checkpointUrl;
    try {
      for await (const page of pages) {
        if (crawlPages + pageNo >= this.maxPages) throw new CrawlTooLongError(this.maxPages);
        read.add(page.url);
        if (page.nextUrl && read.has(page.nextUrl)) throw new PagingLoopError(pageNo + 1, page.nextUrl);
        abort.signal.throwIfAborted(); // the crawl lock was lost: another processor may have the service now
        const result = await this.writer.apply({
          kind: 'page',
          scope,
          run: ref,
          users: page.users,
          rejected: page.rejected,
          nextUrl: page.nextUrl,
          attempts: page.attempts,
          expectUnchanged,
        });
        expectUnchanged = result.created + result.updated === 0;
        pageNo++;
        this.metrics.pageWritten(serviceSid, result);
        const report = progress.pageWritten(result.users);
        if (report) log.info(report, 'crawl progress');
        for (const r of result.rejected) log.warn({ page: pageNo, sid: r.sid, reason: r.reason }, 'user record rejected');
        log.debug({ page: pageNo, users: page.users.length, created: result.created, updated: result.updated }, 'page written');
        await hooks.onPageWritten();
        next = page.nextUrl;
        if (next && this.stopping) {
          log.info({ page: pageNo, checkpoint: next }, 'shutting down: page committed, job handed back');
          return { kind: 'handed-back', runId: run.id };
        }
        if (next && (await hooks.shouldYield())) {
          log.info({ page: pageNo, checkpoint: next }, 'other crawls are waiting: page committed, job handed back to the queue');
          return { kind: 'handed-back', runId: run.id };
        }
      }
      // Never expected (stopping is handled above, after a commit), but a crawl cut short must not sweep.
      if (next) throw new Error(`read-ahead ended before the last page (next: ${next})`);
      const deleted = await this.sweep.run(scope, ref, client, log, abort.signal);
      abort.signal.throwIfAborted();
      // The account first: whoever waits for the run to finish then finds the account's health settled too.
      await this.services.markAccount(accountSid, 'ok', null);
      const finished = await this.runs.finish(run.id, 'succeeded', null, { endCrawl: run.crawlId });
      this.recordEnd('succeeded', finished);
      await this.services.recordRun(serviceSid, accountSid, run.id, 'succeeded', await this.sweep.liveCount(serviceSid));
      log.info(
        { pages: finished.pages, users: finished.usersSeen, created: finished.created, updated: finished.updated, deleted, requests: finished.requests, throttled: finished.throttled },
        'crawl succeeded',
      );
      return { kind: 'succeeded', runId: run.id, pages: finished.pages, deleted };
    } catch (e) {
      abort.abort(new Error('crawl ended'));
      return this.settle(e, request, run.id, run.crawlId, pageNo, log);
    }
  }

  /** Checks and keys a fetched page's records (while the page before may still be being written). */
  private readPage(client: TwilioClient, fetched: FetchedEnvelope, serviceSid: string, prepare: boolean): CrawlPage {
    const page = client.readUsers(fetched.envelope);
    return {
      url: fetched.envelope.url,
      nextUrl: page.nextPageUrl,
      users: observeUsers(page.items, serviceSid, { prepare, readAt: fetched.envelope.requestedAt }),
      rejected: page.rejected.map((r) => ({ sid: r.sid, reason: r.reason })),
      attempts: fetched.attempts,
    };
  }

  /** A run ended: its duration, start to end, as the database recorded both. */
  private recordEnd(outcome: CrawlEnd, run: { startedAt: Date; finishedAt: Date | null }): void {
    if (run.finishedAt) this.metrics.crawlEnded(outcome, (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000);
  }

  /** What the error means for the run, the account and the job (classifyCrawlError), written down. */
  private async settle(e: unknown, request: CrawlRequest, runId: string, crawlId: string, pages: number, log: Logger): Promise<CrawlOutcome> {
    const handling = classifyCrawlError(e, request.finalAttempt);
    const error = describeError(e instanceof PageFetchError ? e.cause : e);
    if (e instanceof PageFetchError) await this.runs.recordAttempts(runId, e.attempts.requests, e.attempts.throttled, e.attempts.retries);
    if (handling.accountStatus === 'unhealthy') await this.services.markAccount(request.accountSid, 'unhealthy', error);
    if (handling.runStatus === 'failed') {
      this.recordEnd('failed', await this.runs.finish(runId, 'failed', error, handling.checkpoint === 'drop' ? { endCrawl: crawlId, dropCheckpoint: true } : {}));
      await this.services.recordRun(request.serviceSid, request.accountSid, runId, 'failed', null);
    }
    if (handling.runStatus === 'removed') {
      this.recordEnd('removed', await this.runs.finish(runId, 'removed', error));
      await this.services.recordRun(request.serviceSid, request.accountSid, runId, 'removed', null);
    }

    const cause = e instanceof PageFetchError ? e.cause : e;
    switch (handling.jobAction) {
      case 'park':
        return { kind: 'throttled', runId, retryAfterMs: cause instanceof TwilioRateLimitError ? cause.retryAfterMs : null };
      case 'complete':
        log.warn({ error }, 'service not found upstream: marked removed, nothing deleted');
        return { kind: 'removed', runId, pages };
      default:
        if (handling.accountStatus === 'unhealthy') log.error({ error }, 'credentials refused: account marked unhealthy');
        else if (handling.checkpoint === 'drop') log.error({ error, checkpoint: 'dropped' }, 'request refused; the next run starts from the first page');
        else if (handling.jobAction === 'fail') log.error({ error, checkpoint: 'kept' }, 'crawl failed; the next run resumes from the checkpoint');
        else log.error({ err: cause, final: request.finalAttempt }, 'crawl attempt failed');
        return { kind: 'failed', runId, error, handling, cause };
    }
  }
}
