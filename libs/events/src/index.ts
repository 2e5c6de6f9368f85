export * from './user-change';
export * from './user-event-row';
export * from './sql-runner';
export * from './outbox-relay.repository';
export * from './cloud-event';
export * from './stream-entry';
export * from './stream-publisher';
export * from './relay-options';
export * from './relay-drain';
export * from './outbox-relay.service';
export * from './events-relay.module';
export * from './feed/events-feed.module';
export * from './feed/events-feed.service';
export * from './feed/events-feed.repository';
export * from './feed/publication-listener.service';
export * from './feed/feed-admission.service';
/** The JSON Schema (draft 2020-12) of a user-changed event, for consumers that validate what they receive. */
export { default as userChangedSchema } from './user-changed.schema.json';
