import { APP_CONFIG, AppConfig } from '@app/config';
import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { RedisRequestLimiter } from './redis-request-limiter';

export const REQUEST_LIMITER = Symbol('REQUEST_LIMITER');

/** Its own connection: budget calls should fail fast when Redis is away, unlike BullMQ's blocking ones. */
@Injectable()
export class LimiterConnection {
  readonly redis: Redis;
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  }
}

@Global()
@Module({
  providers: [
    LimiterConnection,
    {
      provide: REQUEST_LIMITER,
      inject: [APP_CONFIG, LimiterConnection],
      useFactory: (config: AppConfig, conn: LimiterConnection) =>
        new RedisRequestLimiter(conn.redis, {
          prefix: config.queuePrefix,
          initial: config.twilio.inFlightStart,
          max: config.twilio.inFlightMax,
          leaseTtlMs: config.twilio.timeoutMs + 5000,
        }),
    },
  ],
  exports: [REQUEST_LIMITER],
})
export class RateLimitModule implements OnApplicationShutdown {
  constructor(
    private readonly conn: LimiterConnection,
    @Inject(REQUEST_LIMITER) private readonly limiter: RedisRequestLimiter,
  ) {}

  /**
   * In this order, one hook rather than one per provider (Nest runs a module's provider hooks concurrently):
   * parked leases go back to Redis before the connection closes, else they hold the budget until they lapse.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.limiter.close();
    this.conn.redis.disconnect();
  }
}
