import { MetricsModule } from '@app/metrics';
import { RedisModule } from '@app/redis';
import { Module } from '@nestjs/common';
import { WebhookStats } from './webhook-stats.repository';

/** One set of webhook counters per process, whichever roles it runs. */
@Module({ imports: [RedisModule, MetricsModule], providers: [WebhookStats], exports: [WebhookStats] })
export class WebhookStatsModule {}
