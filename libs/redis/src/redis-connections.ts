import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { Logger } from 'pino';

/**
 * The one owner of the process's Redis connections, each with an 'error' listener (ioredis would otherwise print
 * every failed reconnect, whole, with the failed command hung on it) and a log line when it drops and comes back.
 *
 * - `queue`: BullMQ's. Its workers block on Redis, so commands are never cut short (maxRetriesPerRequest null);
 *   BullMQ duplicates it for each worker's blocking connection.
 * - `commands`: short commands that must fail fast when Redis is away (the shared rate budget, the relay's
 *   appends, health checks), so that their callers can back off instead of hanging.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  readonly queue: Redis;
  readonly commands: Redis;
  private readonly log: Logger;

  private readonly url: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(ROOT_LOGGER) logger: Logger) {
    this.url = config.redisUrl;
    this.log = logger.child({ component: 'redis' });
    this.queue = this.connect('queue', config.redisUrl, { maxRetriesPerRequest: null });
    this.commands = this.connect('commands', config.redisUrl, { maxRetriesPerRequest: 2 });
  }

  /**
   * A connection for one component's own use (the relay's), with its options. Its 'error' listener only keeps
   * errors from going unhandled (ioredis would print each failed reconnect); the owner logs losing and regaining it,
   * and closes it.
   */
  dedicated(name: string, opts: RedisOptions): Redis {
    const redis = new Redis(this.url, { ...opts, connectionName: `twilio-mirror-${name}` });
    redis.on('error', (err: Error) => this.log.debug({ connection: name, error: err.message }, 'redis connection error'));
    return redis;
  }

  /** Nest runs the shutdown hooks of the modules that import this one first: their queues and workers are closed. */
  onApplicationShutdown(): void {
    this.queue.disconnect();
    this.commands.disconnect();
  }

  private connect(name: string, url: string, opts: RedisOptions): Redis {
    const redis = new Redis(url, { ...opts, connectionName: `twilio-mirror-${name}` });
    let lost = false;
    redis.on('error', (err: Error) => {
      if (lost) return; // one line per outage, not one per reconnect attempt
      lost = true;
      this.log.warn({ connection: name, error: err.message }, 'redis connection lost; reconnecting');
    });
    redis.on('ready', () => {
      if (!lost) return;
      lost = false;
      this.log.info({ connection: name }, 'redis connection back');
    });
    return redis;
  }
}
