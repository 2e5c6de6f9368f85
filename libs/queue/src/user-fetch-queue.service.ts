import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { USER_FETCH_QUEUE, UserFetchJobData, userFetchDedupId } from './user-fetch-job';
import { QueueFactory } from './queue.factory';

/** 5xx, timeouts and the like: the fetch is retried with backoff this many times in all, then the hint is dropped (the crawl reconciles). */
const FETCH_ATTEMPTS = 5;

export interface HintQueued {
  jobId: string;
  /** False when the hint was merged into the user's waiting fetch (or kept as the one to run after the running one). */
  added: boolean;
}

/**
 * Webhook hints on their way from the api role to the workers, where the accounts' clients and budgets are.
 * Durable (Redis), and coalesced per user by BullMQ deduplication with keepLastIfActive: hints for a user whose
 * fetch waits are merged into it, and hints that arrive while it runs leave exactly one more fetch to run after it
 * (that fetch may be the only one to see their change). So a burst of hooks for one user costs a few fetches, and
 * their order and duplicates do not matter: each fetch reads the user's current state.
 */
@Injectable()
export class UserFetchQueue {
  readonly queue: Queue<UserFetchJobData>;

  constructor(factory: QueueFactory) {
    this.queue = factory.createQueue<UserFetchJobData>(USER_FETCH_QUEUE);
  }

  async enqueue(hint: Omit<UserFetchJobData, 'throttleStreak'>): Promise<HintQueued> {
    // A deduplicated add answers with the existing job: a fresh id of our own tells the two cases apart.
    const proposedId = `${hint.serviceSid}-${randomUUID()}`;
    const job = await this.queue.add('fetch-user', hint, {
      jobId: proposedId,
      deduplication: { id: userFetchDedupId(hint.serviceSid, hint.user), keepLastIfActive: true },
      attempts: FETCH_ATTEMPTS,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
    });
    return { jobId: String(job.id), added: job.id === proposedId };
  }
}
