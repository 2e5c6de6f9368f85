import { ROOT_LOGGER } from '@app/logger';
import { CrawlQueue, UserFetchQueue } from '@app/queue';
import { Inject, Injectable } from '@nestjs/common';
import { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { METRIC_PREFIX, MirrorMetrics } from '../mirror-metrics';
import { ScrapeReading } from './scrape-reading';

export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * The crawl queue's jobs by state, counted by BullMQ at scrape time (parked 429s are `delayed`), and the user fetches
 * webhooks queued.
 */
@Injectable()
export class QueueGauges {
  constructor(metrics: MirrorMetrics, crawls: CrawlQueue, userFetches: UserFetchQueue, @Inject(ROOT_LOGGER) logger: Logger) {
    const reading = new ScrapeReading('queue', () => crawls.queue.getJobCounts(...QUEUE_STATES), metrics, logger.child({ component: 'metrics' }));
    new Gauge({
      name: `${METRIC_PREFIX}queue_jobs`,
      help: 'Crawl jobs in the queue by state: waiting, active, delayed (parked after a 429, or backing off), failed',
      labelNames: ['state'] as const,
      registers: [metrics.registry],
      async collect() {
        const counts = await reading.get();
        this.reset();
        if (counts) for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
    const hints = new ScrapeReading('queue', () => userFetches.queue.getJobCounts(...QUEUE_STATES), metrics, logger.child({ component: 'metrics' }));
    new Gauge({
      name: `${METRIC_PREFIX}user_fetch_jobs`,
      help: "User fetches webhooks queued, by state: waiting, active, delayed (a 429's backoff, a hot user's pace, a retry), failed",
      labelNames: ['state'] as const,
      registers: [metrics.registry],
      async collect() {
        const counts = await hints.get();
        this.reset();
        if (counts) for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
  }
}
