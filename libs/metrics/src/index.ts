export * from './mirror-metrics';
export * from './metrics.module';
export * from './metrics-endpoint.module';
export { MirrorStateRepository, type OutboxBacklog } from './scrape/mirror-state.repository';
