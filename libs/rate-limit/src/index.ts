export * from './redis-request-limiter';
export * from './rate-limit.module';
export * from './recent-throttles.repository';
