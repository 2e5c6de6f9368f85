import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { QueueFactory, USER_FETCH_QUEUE, UserFetchJobData } from '@app/queue';
import { fullJitter } from '@app/sync';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import { Logger } from 'pino';
import { WebhookStats } from '../stats/webhook-stats.repository';
import { UserFetchPacing } from './user-fetch-pacing.repository';
import { RefreshOutcome, UserRefresh } from './user-refresh.service';

/**
 * The worker role's side of webhooks: runs the user fetches that hints queued (UserFetchQueue), up to
 * WEBHOOK_FETCH_CONCURRENCY at a time, each through UserRefresh, and maps the outcome onto BullMQ. A 429 or a hot
 * user's pace parks the job (delayed, no attempt spent) and hints arriving meanwhile are merged into it; other
 * failures are retried with backoff, then the hint is given up (the crawl reconciles).
 */
@Injectable()
export class UserFetchProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  worker: Worker<UserFetchJobData>;
  private readonly log: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly factory: QueueFactory,
    private readonly refresh: UserRefresh,
    private readonly pacing: UserFetchPacing,
    private readonly stats: WebhookStats,
  ) {
    this.log = logger.child({ component: 'user-fetch-worker' });
  }

  onApplicationBootstrap(): void {
    this.worker = this.factory.createWorker<UserFetchJobData>(USER_FETCH_QUEUE, (job, token) => this.process(job, token), {
      concurrency: this.config.webhooks.fetchConcurrency,
      lockDuration: this.config.sync.lockDurationMs,
      stalledInterval: this.config.sync.lockDurationMs,
    });
    this.worker.on('error', (err) => this.log.error({ err }, 'user fetch worker error'));
    void this.worker.run();
  }

  /** Before the database and Redis close: fetches in flight finish, and no new one starts. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  async process(job: Job<UserFetchJobData>, token?: string): Promise<RefreshOutcome['kind']> {
    const { accountSid, serviceSid, user } = job.data;
    const wait = await this.pacing.take(serviceSid, user);
    if (wait > 0) {
      this.stats.add(accountSid, { paced: 1 });
      return this.park(job, token, wait);
    }
    let outcome: RefreshOutcome;
    try {
      outcome = await this.refresh.refresh(job.data);
    } catch (e) {
      const final = e instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (final) {
        this.stats.add(accountSid, { fetch_failures: 1 });
        this.log.warn({ accountSid, serviceSid, user, error: (e as Error).message }, 'webhook hint given up; the next crawl catches its change');
      }
      throw e;
    }
    const log = { accountSid, serviceSid, user, sinceHintMs: Date.now() - job.data.hintedAt };
    switch (outcome.kind) {
      case 'written': {
        const r = outcome.result;
        this.stats.add(accountSid, { applied: 1, created: r.created, updated: r.updated, unchanged: r.unchanged - r.stale, stale: r.stale });
        this.log.debug({ ...log, created: r.created, updated: r.updated, stale: r.stale }, 'webhook hint applied');
        return outcome.kind;
      }
      case 'deleted':
        this.stats.add(accountSid, { applied: 1, deleted: outcome.deleted });
        this.log.info({ ...log, deleted: outcome.deleted }, 'webhook hint: Twilio answered 20404, the user is tombstoned');
        return outcome.kind;
      case 'service-gone':
        this.stats.add(accountSid, { applied: 1 });
        this.log.warn(log, 'webhook hint for a service Twilio no longer has: nothing deleted');
        return outcome.kind;
      case 'throttled': {
        // As a crawl parks: no attempt spent, and the wait grows with consecutive 429s.
        const streak = (job.data.throttleStreak ?? 0) + 1;
        const waitMs = outcome.retryAfterMs ?? fullJitter(streak, this.config.sync.throttleBaseMs, this.config.sync.throttleCapMs);
        this.stats.add(accountSid, { throttled: 1 });
        await job.updateData({ ...job.data, throttleStreak: streak });
        return this.park(job, token, Math.max(waitMs, 1));
      }
    }
  }

  private async park(job: Job<UserFetchJobData>, token: string | undefined, delayMs: number): Promise<never> {
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }
}
