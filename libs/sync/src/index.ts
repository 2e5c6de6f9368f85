export * from './sync.module';
export * from './worker.module';
export * from './crawl-run';
export * from './crawl-outcome';
export * from './classify-crawl-error';
export { CRAWL_LOCK_SPACE } from './crawl-lock';
export * from './crawl.processor';
export * from './sync-runs.repository';
export * from './backoff';
