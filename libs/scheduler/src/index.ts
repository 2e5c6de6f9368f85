export * from './scheduler.module';
export * from './sync-scheduler.service';
