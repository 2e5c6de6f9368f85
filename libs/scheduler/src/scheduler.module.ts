import { SyncModule } from '@app/sync';
import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { SyncScheduler } from './sync-scheduler.service';

@Module({ imports: [ScheduleModule.forRoot(), SyncModule], providers: [SyncScheduler], exports: [SyncScheduler] })
export class SchedulerModule {}
