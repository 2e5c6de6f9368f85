export * from './observation';
export * from './observed-users';
export * from './mirror-writer';
export * from './mirror-writer.module';
export { appendEvents } from './statements/outbox.sql';
export type { EventStamp, OutboxScope } from './statements/outbox.sql';
