import { APP_CONFIG, AppConfig } from '@app/config';
import { RedisConnections, RedisModule } from '@app/redis';
import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { RecentThrottles } from './recent-throttles.repository';
import { RedisRequestLimiter } from './redis-request-limiter';

export const REQUEST_LIMITER = Symbol('REQUEST_LIMITER');

/**
 * The per-account request budget shared by every worker process, on Redis's fail-fast connection, and the
 * accounts' recent 429s.
 */
@Module({
  imports: [RedisModule],
  providers: [
    {
      provide: REQUEST_LIMITER,
      inject: [APP_CONFIG, RedisConnections],
      useFactory: (config: AppConfig, redis: RedisConnections) =>
        new RedisRequestLimiter(redis.commands, {
          prefix: config.queuePrefix,
          initial: config.twilio.inFlightStart,
          max: config.twilio.inFlightMax,
          leaseTtlMs: config.twilio.timeoutMs + 5000,
        }),
    },
    RecentThrottles,
  ],
  exports: [REQUEST_LIMITER, RecentThrottles],
})
export class RateLimitModule implements OnApplicationShutdown {
  constructor(@Inject(REQUEST_LIMITER) private readonly limiter: RedisRequestLimiter) {}

  /** Parked leases go back to Redis before its connection closes (RedisModule shuts down after this module). */
  async onApplicationShutdown(): Promise<void> {
    await this.limiter.close();
  }
}
