import { RedisConnections } from '@app/redis';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HEALTH_TIMEOUT_MS, withTimeout } from './timeout';

/** Redis answers a PING on the fail-fast connection (the queue's would wait for Redis to come back). */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly redis: RedisConnections,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async isHealthy(key = 'redis') {
    const check = this.indicator.check(key);
    try {
      await withTimeout(this.redis.commands.ping(), HEALTH_TIMEOUT_MS, `Redis did not answer within ${HEALTH_TIMEOUT_MS} ms`);
      return check.up();
    } catch (e) {
      return check.down({ message: (e as Error).message });
    }
  }
}
