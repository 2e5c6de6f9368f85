import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { CRAWL_QUEUE, CrawlJobData, CrawlTrigger, crawlDedupId } from './crawl-job';
import { QueueFactory } from './queue.factory';

export interface Enqueued {
  jobId: string;
  /** False when a crawl of the service was already queued or running: the existing job stands. */
  added: boolean;
}

@Injectable()
export class CrawlQueue {
  readonly queue: Queue<CrawlJobData>;

  constructor(factory: QueueFactory, @Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.queue = factory.createQueue<CrawlJobData>(CRAWL_QUEUE);
  }

  /** Idempotent per service (BullMQ deduplication): any number of schedulers may call it at once. */
  async enqueue(accountSid: string, serviceSid: string, trigger: CrawlTrigger): Promise<Enqueued> {
    // A deduplicated add answers with the existing job: a fresh id of our own tells the two cases apart,
    // even when schedulers race (a look-up of the deduplication key before adding would not).
    const proposedId = `${serviceSid}-${randomUUID()}`;
    const job = await this.queue.add(
      'crawl',
      { accountSid, serviceSid, trigger },
      {
        jobId: proposedId,
        deduplication: { id: crawlDedupId(serviceSid) },
        attempts: this.config.sync.maxAttempts,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 5000 },
      },
    );
    return { jobId: String(job.id), added: job.id === proposedId };
  }

  async job(id: string): Promise<Job<CrawlJobData> | undefined> {
    return this.queue.getJob(id);
  }
}
