export * from './twilio-user';
export * from './mirror-user';
export * from './dates';
export * from './json-precision';
export * from './source-hash';
export * from './incoming-user';
export * from './user-change';
export * from './user-diff';
