import { QueueFactory } from '@app/queue';
import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from './auth/auth.decorators';
import { withDeadline } from './common/deadline';

const HEALTH_TIMEOUT_MS = 2000;

/** Liveness and readiness: Postgres and Redis answer. Open, so orchestrators need no token. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly queues: QueueFactory,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: HEALTH_TIMEOUT_MS }),
      async () => {
        const redis = this.indicator.check('redis');
        try {
          await withDeadline(this.queues.redis().ping(), HEALTH_TIMEOUT_MS, () => new Error(`Redis did not answer within ${HEALTH_TIMEOUT_MS} ms`));
          return redis.up();
        } catch (e) {
          return redis.down({ message: (e as Error).message });
        }
      },
    ]);
  }
}
