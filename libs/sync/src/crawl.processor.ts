import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { CRAWL_QUEUE, CrawlJobData, CrawlQueue, QueueFactory } from '@app/queue';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import { Logger } from 'pino';
import { fullJitter } from './backoff';
import { CrawlOutcome } from './crawl-outcome';
import { CrawlRun } from './crawl-run';

/** How long a job waits when another processor holds its service's crawl. */
const LOCKED_RETRY_MS = 5_000;

/**
 * The worker role: runs crawl jobs from the queue, up to WORKER_CONCURRENCY at a time (the accounts' budgets decide
 * how many requests are in flight: a crawl waiting for one holds nothing but its job). It only maps a job onto the
 * CrawlRun use case and the outcome back onto BullMQ: park (delayed, no attempt spent), complete, fail for good, or
 * let BullMQ retry; and after CRAWL_SLICE_MS it asks a crawl to yield its job when others wait.
 */
@Injectable()
export class CrawlProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  worker: Worker<CrawlJobData>;
  private readonly log: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly factory: QueueFactory,
    private readonly queue: CrawlQueue,
    private readonly crawl: CrawlRun,
  ) {
    this.log = logger.child({ component: 'crawl-worker' });
  }

  onApplicationBootstrap(): void {
    this.worker = this.factory.createWorker<CrawlJobData>(CRAWL_QUEUE, (job, token) => this.process(job, token), {
      concurrency: this.config.sync.workerConcurrency,
      lockDuration: this.config.sync.lockDurationMs,
      stalledInterval: this.config.sync.lockDurationMs,
      // A worker killed mid-crawl leaves its job stalled; recovery resumes it from the checkpoint, so let it stall more than once.
      maxStalledCount: 10,
    });
    this.worker.on('error', (err) => this.log.error({ err }, 'worker error'));
    this.worker.on('failed', (job, err) => this.log.warn({ jobId: job?.id, serviceSid: job?.data.serviceSid, error: err.message }, 'crawl job failed'));
    void this.worker.run();
    this.log.info({ concurrency: this.config.sync.workerConcurrency }, 'crawl worker started');
  }

  /**
   * Before the database and Redis close: crawls commit their page in flight and hand their jobs back,
   * and the worker stops taking jobs (else it would pick a handed-back job up again on its way out).
   */
  async beforeApplicationShutdown(): Promise<void> {
    const closing = this.worker?.close();
    await this.crawl.stop();
    await closing;
  }

  /** `token` is the job's lock token, needed to move it to delayed. */
  async process(job: Job<CrawlJobData>, token?: string): Promise<CrawlOutcome> {
    const { accountSid, serviceSid, trigger } = job.data;
    const attempt = job.attemptsMade + 1;
    const sliceEnds = Date.now() + this.config.sync.sliceMs;
    const outcome = await this.crawl.execute(
      { accountSid, serviceSid, trigger, finalAttempt: attempt >= (job.opts.attempts ?? 1), jobId: job.id, attempt },
      {
        onPageWritten: async () => {
          if (job.data.throttleStreak) await job.updateData({ ...job.data, throttleStreak: 0 });
        },
        shouldYield: async () => Date.now() >= sliceEnds && (await this.othersWaiting()),
      },
    );
    switch (outcome.kind) {
      case 'succeeded':
      case 'removed':
        return outcome;
      case 'locked':
        // Another processor still crawls this service (this job was recovered while it ran): come back later.
        this.log.warn({ serviceSid, jobId: job.id }, 'service is being crawled by another processor: job parked');
        return this.park(job, token, LOCKED_RETRY_MS);
      case 'handed-back':
        return this.park(job, token, 0);
      case 'throttled': {
        // A 429 never fails the job nor spends an attempt: it waits, and resumes at the refused page.
        const streak = (job.data.throttleStreak ?? 0) + 1;
        const wait = outcome.retryAfterMs ?? fullJitter(streak, this.config.sync.throttleBaseMs, this.config.sync.throttleCapMs);
        await job.updateData({ ...job.data, throttleStreak: streak });
        this.log.info({ serviceSid, runId: outcome.runId, waitMs: wait, retryAfter: outcome.retryAfterMs !== null, streak }, 'throttled (429): job parked');
        return this.park(job, token, Math.max(wait, 1));
      }
      case 'failed':
        // 'retry': BullMQ's attempts and backoff resume the open run; otherwise the job fails for good.
        if (outcome.handling.jobAction === 'retry') throw outcome.cause;
        throw outcome.cause instanceof UnrecoverableError ? outcome.cause : new UnrecoverableError(outcome.error);
    }
  }

  private waiting = { count: 0, at: 0 };

  /** Whether crawl jobs wait for a worker slot (asked of Redis at most once a second). */
  private async othersWaiting(): Promise<boolean> {
    if (Date.now() - this.waiting.at > 1000) this.waiting = { count: await this.queue.queue.getWaitingCount(), at: Date.now() };
    return this.waiting.count > 0;
  }

  private async park(job: Job<CrawlJobData>, token: string | undefined, delayMs: number): Promise<never> {
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }
}
