import { RedisConnections } from '@app/redis';
import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { withDeadline } from './common/deadline';

const HEALTH_TIMEOUT_MS = 2000;

/** Liveness and readiness: Postgres and Redis answer. Open, so orchestrators need no token. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly redis: RedisConnections,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: HEALTH_TIMEOUT_MS }),
      async () => {
        const redis = this.indicator.check('redis');
        try {
          await withDeadline(this.redis.commands.ping(), HEALTH_TIMEOUT_MS, () => new Error(`Redis did not answer within ${HEALTH_TIMEOUT_MS} ms`));
          return redis.up();
        } catch (e) {
          return redis.down({ message: (e as Error).message });
        }
      },
    ]);
  }
}
