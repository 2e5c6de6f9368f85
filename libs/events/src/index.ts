export * from './user-change';
export * from './outbox.repository';
