export * from './mirror-metrics';
export * from './metrics.module';
export * from './metrics-endpoint.module';
export { MirrorStateRepository, type OutboxBacklog } from './scrape/mirror-state.repository';
// The scrape-time gauges, for a test that lists every family a process registers.
export { OutboxGauges } from './scrape/outbox.gauges';
export { ServicesGauges } from './scrape/services.gauges';
export { BudgetGauges } from './scrape/budget.gauges';
export { QueueGauges } from './scrape/queue.gauges';
