import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { MigrationsHealthIndicator } from './indicators/migrations.health';
import { PostgresHealthIndicator } from './indicators/postgres.health';
import { RedisHealthIndicator } from './indicators/redis.health';

/** Health for orchestrators, on every process whatever its roles. Open: probes carry no token. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: PostgresHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly migrations: MigrationsHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Postgres and Redis answer (503 when one does not)' })
  check() {
    return this.health.check([() => this.postgres.isHealthy(), () => this.redis.isHealthy()]);
  }

  /** Liveness: the process serves HTTP. Touches no dependency, so an outage of one never restarts the process. */
  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process serves (no dependency is checked)' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: Postgres and Redis answer and every migration is applied (503 otherwise)' })
  ready() {
    return this.health.check([() => this.postgres.isHealthy(), () => this.redis.isHealthy(), () => this.migrations.isHealthy()]);
  }
}
