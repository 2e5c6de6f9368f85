import { DatabaseModule } from '@app/database';
import { QueueModule } from '@app/queue';
import { RateLimitModule } from '@app/rate-limit';
import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsTokenGuard } from './metrics-token.guard';
import { MetricsModule } from './metrics.module';
import { BudgetGauges } from './scrape/budget.gauges';
import { MirrorStateRepository } from './scrape/mirror-state.repository';
import { OutboxGauges } from './scrape/outbox.gauges';
import { QueueGauges } from './scrape/queue.gauges';
import { ServicesGauges } from './scrape/services.gauges';

/**
 * GET /metrics, and the gauges read from shared state when it is scraped (the outbox from Postgres, the budget
 * from Redis, the queue from BullMQ). Every process imports it, whatever its roles.
 */
@Module({
  imports: [MetricsModule, DatabaseModule, QueueModule, RateLimitModule],
  controllers: [MetricsController],
  providers: [MetricsTokenGuard, MirrorStateRepository, OutboxGauges, ServicesGauges, BudgetGauges, QueueGauges],
})
export class MetricsEndpointModule {}
