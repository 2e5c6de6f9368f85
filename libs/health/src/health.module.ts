import { DatabaseModule } from '@app/database';
import { RedisModule } from '@app/redis';
import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { MigrationsHealthIndicator } from './indicators/migrations.health';
import { PostgresHealthIndicator } from './indicators/postgres.health';
import { RedisHealthIndicator } from './indicators/redis.health';

/** /health, /health/live and /health/ready: one indicator per dependency. Every process imports it. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), DatabaseModule, RedisModule],
  controllers: [HealthController],
  providers: [PostgresHealthIndicator, RedisHealthIndicator, MigrationsHealthIndicator],
})
export class HealthModule {}
