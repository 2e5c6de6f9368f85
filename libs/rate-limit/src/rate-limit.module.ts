import { APP_CONFIG, AppConfig } from '@app/config';
import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { RedisRequestLimiter } from './redis-request-limiter';

export const REQUEST_LIMITER = Symbol('REQUEST_LIMITER');

/** Its own connection: budget calls should fail fast when Redis is away, unlike BullMQ's blocking ones. */
@Injectable()
export class LimiterConnection implements OnApplicationShutdown {
  readonly redis: Redis;
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  }
  onApplicationShutdown(): void {
    this.redis.disconnect();
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
export class RateLimitModule {}
