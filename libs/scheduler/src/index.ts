export * from './scheduler.module';
export * from './sync-scheduler.service';
export * from './orphaned-crawls.service';
export * from './erasure-schedule.service';
