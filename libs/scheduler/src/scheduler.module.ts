import { AccountsModule } from '@app/accounts';
import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { SyncScheduler } from './sync-scheduler.service';

/** The scheduler role: enqueues a crawl per service on SYNC_CRON. */
@Module({ imports: [ScheduleModule.forRoot(), AccountsModule, QueueModule], providers: [SyncScheduler], exports: [SyncScheduler] })
export class SchedulerModule {}
