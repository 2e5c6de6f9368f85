export * from './webhooks-api.module';
export * from './webhooks-worker.module';
export * from './receiver/webhook-request';
export * from './receiver/webhook-receiver.service';
export * from './fetch/user-refresh.service';
export * from './fetch/user-fetch.processor';
export * from './stats/webhook-counters';
export * from './stats/webhook-stats.repository';
