import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { CRAWL_QUEUE, CrawlJobData, QueueFactory } from '@app/queue';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Worker } from 'bullmq';
import { Logger } from 'pino';
import { CrawlService } from './crawl.service';

/** The worker role: runs crawl jobs from the queue, WORKER_CONCURRENCY at a time. */
@Injectable()
export class CrawlProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  worker: Worker<CrawlJobData>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly factory: QueueFactory,
    private readonly crawl: CrawlService,
  ) {}

  onApplicationBootstrap(): void {
    const log = this.logger.child({ component: 'crawl-worker' });
    this.worker = this.factory.createWorker<CrawlJobData>(CRAWL_QUEUE, (job, token) => this.crawl.process(job, token), {
      concurrency: this.config.sync.workerConcurrency,
      lockDuration: this.config.sync.lockDurationMs,
      stalledInterval: this.config.sync.lockDurationMs,
      // A worker killed mid-crawl leaves its job stalled; recovery resumes it from the checkpoint, so let it stall more than once.
      maxStalledCount: 10,
    });
    this.worker.on('error', (err) => log.error({ err }, 'worker error'));
    this.worker.on('failed', (job, err) => log.warn({ jobId: job?.id, serviceSid: job?.data.serviceSid, error: err.message }, 'crawl job failed'));
    void this.worker.run();
    log.info({ concurrency: this.config.sync.workerConcurrency }, 'crawl worker started');
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
}
