import { AccountsModule } from '@app/accounts';
import { ErasureModule } from '@app/erasure';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ErasureSchedule } from './erasure-schedule.service';
import { OrphanedCrawls } from './orphaned-crawls.service';
import { SyncScheduler } from './sync-scheduler.service';

/**
 * The scheduler role: enqueues a crawl per service on SYNC_CRON, and again those whose jobs were lost; erases the
 * personal data of users deleted past DELETED_USER_RETENTION_DAYS.
 */
@Module({
  imports: [ScheduleModule.forRoot(), AccountsModule, QueueModule, ErasureModule],
  providers: [SyncScheduler, OrphanedCrawls, ErasureSchedule],
  exports: [SyncScheduler, OrphanedCrawls, ErasureSchedule],
})
export class SchedulerModule {}
