import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { RedisConnections } from '@app/redis';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Processor, Queue, QueueOptions, Worker, WorkerOptions } from 'bullmq';
import { Logger } from 'pino';

/**
 * Every BullMQ queue and worker of the process is built here, on the queue connection and one key prefix.
 * The prefix's braces are a Redis Cluster hash tag, so every key of a deployment shares one slot, as BullMQ
 * requires on a cluster; the connection itself is a single node's (REDIS_URL), not a cluster client.
 */
@Injectable()
export class QueueFactory implements OnApplicationShutdown {
  private readonly closables: { close(): Promise<void> }[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly redis: RedisConnections,
  ) {}

  createQueue<T>(name: string, opts: Partial<QueueOptions> = {}): Queue<T> {
    const queue = new Queue<T>(name, { connection: this.redis.queue, prefix: this.config.queuePrefix, ...opts });
    // Without a listener BullMQ prints connection errors with console.error, whole: ioredis hangs the failed
    // command on them, and a refused AUTH carries the Redis password. The logger's serializer keeps it out.
    queue.on('error', (err) => this.logger.error({ err, queue: name }, 'queue connection error'));
    this.closables.push(queue);
    return queue;
  }

  /** Workers get a connection of their own (BullMQ duplicates it) so blocking reads never stall producers. */
  createWorker<T>(name: string, processor: Processor<T>, opts: Partial<WorkerOptions> = {}): Worker<T> {
    const worker = new Worker<T>(name, processor, {
      connection: this.redis.queue,
      prefix: this.config.queuePrefix,
      autorun: false,
      ...opts,
    });
    this.closables.unshift(worker); // close workers before the queues they feed from
    return worker;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const c of this.closables) await c.close().catch(() => undefined);
  }
}
