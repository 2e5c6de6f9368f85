import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { CrawlJobData } from '@app/queue';
import { TwilioAuthError, TwilioClient, TwilioNotFoundError, TwilioRateLimitError, TwilioRequestError } from '@app/twilio';
import { Inject, Injectable } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { Logger } from 'pino';
import { fullJitter } from './backoff';
import { describeError, RetriesExhaustedError } from './crawl-errors';
import { CrawlLocks } from './crawl-lock';
import { DeletionSweep } from './deletion-sweep.service';
import { attemptsOf, FetchedPage, fetchPageWithRetry, RetryPolicy } from './page-fetcher';
import { PagePrefetch } from './page-prefetch';
import { keyPage, KeyedPage, PageWriter, RunContext } from './page-writer.service';
import { ServicesRepository } from './services.repository';
import { SyncRunsRepository } from './sync-runs.repository';
import { TwilioAccounts } from './twilio-accounts.service';

/** How long a job waits when another processor holds its service's crawl. */
const LOCKED_RETRY_MS = 5_000;

export interface CrawlOutcome {
  runId: string;
  status: 'succeeded' | 'removed';
  pages: number;
}

/**
 * Crawls one service: follows next_page_url verbatim from the run's checkpoint to the last page, writing
 * each page in its own transaction while the next one is already being fetched, then sweeps deletions.
 */
@Injectable()
export class CrawlService {
  private stopping = false;
  private readonly active = new Set<Promise<unknown>>();
  private readonly retry: RetryPolicy;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly accounts: TwilioAccounts,
    private readonly runs: SyncRunsRepository,
    private readonly writer: PageWriter,
    private readonly sweep: DeletionSweep,
    private readonly services: ServicesRepository,
    private readonly locks: CrawlLocks,
  ) {
    this.retry = { maxRetries: config.sync.maxRetries, baseMs: config.sync.retryBaseMs, capMs: config.sync.retryCapMs };
  }

  /** The BullMQ processor body. `token` is the job's lock token, needed to park the job (429, shutdown). */
  process(job: Job<CrawlJobData>, token?: string): Promise<CrawlOutcome> {
    const p = this.crawl(job, token);
    this.active.add(p);
    return p.finally(() => this.active.delete(p));
  }

  /** SIGTERM: each crawl finishes and commits the page in flight, then hands its job back to the queue. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.active]);
  }

  private async crawl(job: Job<CrawlJobData>, token?: string): Promise<CrawlOutcome> {
    const { serviceSid } = job.data;
    const abort = new AbortController();
    const lock = await this.locks.tryAcquire(serviceSid, (reason) => abort.abort(reason));
    if (!lock) {
      // Another processor still crawls this service (this job was recovered while it ran): come back later.
      this.logger.warn({ serviceSid, jobId: job.id }, 'service is being crawled by another processor: job parked');
      await job.moveToDelayed(Date.now() + LOCKED_RETRY_MS, token);
      throw new DelayedError();
    }
    try {
      return await this.crawlLocked(job, token, abort);
    } finally {
      await lock.release();
    }
  }

  private async crawlLocked(job: Job<CrawlJobData>, token: string | undefined, abort: AbortController): Promise<CrawlOutcome> {
    const { accountSid, serviceSid, trigger } = job.data;
    const client = this.accounts.client(accountSid);
    const { run, resumed } = await this.runs.startOrResume(accountSid, serviceSid, trigger, client.firstUsersPageUrl(serviceSid, this.accounts.pageSize));
    const ctx: RunContext = { runId: run.id, crawlId: run.crawlId, accountSid, serviceSid };
    const log = this.logger.child({ accountSid, serviceSid, runId: run.id, jobId: job.id });
    log.info({ resumed: resumed || run.pages > 0, checkpoint: run.checkpointUrl, attempt: job.attemptsMade + 1 }, 'crawl started');

    let pageNo = run.pages;
    // Most pages of most crawls are unchanged: after one that was, the next is first tried as a no-op.
    let expectUnchanged = true;
    const pages = new PagePrefetch(
      (url, onNextPageUrl) => this.fetch(client, serviceSid, url, abort.signal, log, onNextPageUrl, () => expectUnchanged),
      (fetched) => fetched.page.nextPageUrl,
      run.checkpointUrl,
      () => !this.stopping,
    );
    // Every page URL this attempt read: paging that leads back to one would go round forever, never sweeping.
    const read = new Set<string>();
    try {
      let url = run.checkpointUrl;
      while (url) {
        const fetched = await pages.next();
        // Never expected (stopping is handled below, after a commit), but a crawl cut short must not sweep.
        if (!fetched) throw new Error(`read-ahead ended before the last page (next: ${url})`);
        const { page, attempts, keyed } = fetched;
        const next = page.nextPageUrl;
        read.add(url);
        if (next && read.has(next)) throw new UnrecoverableError(`upstream paging loops: page ${pageNo + 1} leads back to ${next}, a page this crawl already read`);
        abort.signal.throwIfAborted(); // the crawl lock was lost: another processor may have the service now
        const result = await this.writer.writePage(ctx, { keyed }, page.rejected, next, attempts, { expectUnchanged });
        expectUnchanged = result.created + result.updated === 0;
        pageNo++;
        for (const r of result.rejected) log.warn({ page: pageNo, sid: r.sid, reason: r.reason }, 'user record rejected');
        log.debug({ page: pageNo, users: page.items.length, created: result.created, updated: result.updated }, 'page written');
        if (job.data.throttleStreak) await job.updateData({ ...job.data, throttleStreak: 0 });
        url = next;
        if (url && this.stopping) {
          log.info({ page: pageNo, checkpoint: url }, 'shutting down: page committed, job handed back');
          await job.moveToDelayed(Date.now(), token);
          throw new DelayedError();
        }
      }
      const deleted = await this.sweep.run(ctx, client, log, abort.signal);
      abort.signal.throwIfAborted();
      const finished = await this.runs.finish(run.id, 'succeeded', null, { endCrawl: run.crawlId });
      await this.services.recordRun(serviceSid, accountSid, run.id, 'succeeded', await this.sweep.liveCount(serviceSid));
      await this.services.markAccount(accountSid, 'ok', null);
      log.info({ pages: finished.pages, users: finished.usersSeen, created: finished.created, updated: finished.updated, deleted, requests: finished.requests, throttled: finished.throttled }, 'crawl succeeded');
      return { runId: run.id, status: 'succeeded', pages: finished.pages };
    } catch (e) {
      abort.abort(new Error('crawl ended'));
      if (e instanceof DelayedError) throw e;
      const attempts = attemptsOf(e);
      if (e instanceof TwilioRateLimitError) {
        await this.runs.recordAttempts(run.id, attempts.requests, attempts.throttled + 1, attempts.retries);
        return this.parkThrottled(job, token, e, log);
      }
      await this.runs.recordAttempts(run.id, attempts.requests, attempts.throttled, attempts.retries);
      if (e instanceof TwilioNotFoundError) {
        // The service is gone (or was never this account's): note it, delete nothing.
        await this.runs.finish(run.id, 'removed', describeError(e));
        await this.services.recordRun(serviceSid, accountSid, run.id, 'removed', null);
        log.warn({ error: describeError(e) }, 'service not found upstream: marked removed, nothing deleted');
        return { runId: run.id, status: 'removed', pages: pageNo };
      }
      if (e instanceof TwilioAuthError) {
        await this.failRun(run.id, serviceSid, accountSid, e);
        await this.services.markAccount(accountSid, 'unhealthy', describeError(e));
        log.error({ error: describeError(e) }, 'credentials refused: account marked unhealthy');
        throw new UnrecoverableError(describeError(e));
      }
      if (e instanceof TwilioRequestError) {
        // The upstream (or the client) refuses the request itself: a page token it no longer honours, a
        // checkpoint on another base URL. Neither retrying nor resuming from that URL can help.
        await this.failRun(run.id, serviceSid, accountSid, e, { endCrawl: run.crawlId, dropCheckpoint: true });
        log.error({ error: describeError(e), checkpoint: 'dropped' }, 'request refused; the next run starts from the first page');
        throw new UnrecoverableError(describeError(e));
      }
      if (e instanceof RetriesExhaustedError || e instanceof UnrecoverableError) {
        await this.failRun(run.id, serviceSid, accountSid, e);
        log.error({ error: describeError(e), checkpoint: 'kept' }, 'crawl failed; the next run resumes from the checkpoint');
        throw e instanceof UnrecoverableError ? e : new UnrecoverableError(describeError(e));
      }
      // Unexpected (database down, a bug): BullMQ retries the job, which resumes this run from its checkpoint.
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (final) await this.failRun(run.id, serviceSid, accountSid, e);
      log.error({ err: e, final }, 'crawl attempt failed');
      throw e;
    }
  }

  /** Fetches a page and keys its users as soon as it arrives, while the page before it is being written. */
  private fetch(
    client: TwilioClient,
    serviceSid: string,
    url: string,
    signal: AbortSignal,
    log: Logger,
    onNextPageUrl: (nextUrl: string | null) => void,
    expectUnchanged: () => boolean,
  ): Promise<FetchedPage & KeyedPage> {
    return fetchPageWithRetry(
      client,
      serviceSid,
      url,
      this.retry,
      signal,
      (e, attempt, waitMs) => log.warn({ error: describeError(e), attempt, waitMs }, 'transient upstream fault: retrying'),
      onNextPageUrl,
    ).then((fetched) => ({ ...fetched, keyed: keyPage(fetched.page.items, serviceSid, { prepare: !expectUnchanged() }) }));
  }

  /**
   * A 429 never fails the job nor spends an attempt: the job is moved to delayed (freeing the worker slot)
   * and resumes from the checkpoint, which still points at the page that was refused.
   */
  private async parkThrottled(job: Job<CrawlJobData>, token: string | undefined, e: TwilioRateLimitError, log: Logger): Promise<never> {
    const streak = (job.data.throttleStreak ?? 0) + 1;
    const wait = e.retryAfterMs ?? fullJitter(streak, this.config.sync.throttleBaseMs, this.config.sync.throttleCapMs);
    await job.updateData({ ...job.data, throttleStreak: streak });
    log.info({ waitMs: wait, retryAfter: e.retryAfterMs !== null, streak }, 'throttled (429): job parked');
    await job.moveToDelayed(Date.now() + Math.max(wait, 1), token);
    throw new DelayedError();
  }

  private async failRun(runId: string, serviceSid: string, accountSid: string, e: unknown, opts: { endCrawl?: string; dropCheckpoint?: boolean } = {}) {
    await this.runs.finish(runId, 'failed', describeError(e), opts);
    await this.services.recordRun(serviceSid, accountSid, runId, 'failed', null);
  }
}
