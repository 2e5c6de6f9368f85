import { AccountsModule } from '@app/accounts';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { OrphanedCrawls } from './orphaned-crawls.service';
import { SyncScheduler } from './sync-scheduler.service';

/** The scheduler role: enqueues a crawl per service on SYNC_CRON, and again those whose jobs were lost. */
@Module({ imports: [ScheduleModule.forRoot(), AccountsModule, QueueModule], providers: [SyncScheduler, OrphanedCrawls], exports: [SyncScheduler, OrphanedCrawls] })
export class SchedulerModule {}
