import { ServicesRepository } from '@app/accounts';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { CrawlQueue } from '@app/queue';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Logger } from 'pino';

/**
 * Postgres holds the truth about crawls; the queue only holds the jobs that run them. When Redis loses its data
 * (restarted without persistence, a failover to an empty replica), runs stay `running` with no job left to resume
 * them. This finds them and enqueues them again, at start and every SYNC_RECOVER_INTERVAL_MS: the queue's
 * per-service deduplication makes that a no-op for a crawl whose job is still there, and a new job resumes the
 * run from its checkpoint, without waiting for the next cron tick.
 */
@Injectable()
export class OrphanedCrawls implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log: Logger;
  private timer?: NodeJS.Timeout;
  private checking: Promise<unknown> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly services: ServicesRepository,
    private readonly queue: CrawlQueue,
  ) {
    this.log = logger.child({ component: 'scheduler' });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.safeRecover(), this.config.sync.recoverIntervalMs);
    this.timer.unref();
    void this.safeRecover();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
  }

  /** Enqueues every running crawl again; answers the services whose job had been lost. */
  async recover(): Promise<string[]> {
    const recovered: string[] = [];
    for (const c of await this.services.runningCrawls()) {
      const { added, jobId } = await this.queue.enqueue(c.accountSid, c.serviceSid, 'recover');
      if (!added) continue;
      recovered.push(c.serviceSid);
      this.log.warn({ serviceSid: c.serviceSid, runId: c.runId, jobId }, 'crawl was running without a job (lost with Redis data?): enqueued again, it resumes from its checkpoint');
    }
    return recovered;
  }

  private async safeRecover(): Promise<void> {
    if (this.checking) return;
    this.checking = this.recover().catch((e) => this.log.warn({ error: (e as Error).message }, 'looking for crawls without a job failed; will try again'));
    await this.checking;
    this.checking = null;
  }
}
