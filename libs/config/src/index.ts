export * from './app-config';
export * from './load-config';
export * from './config.module';
export { EnvironmentVariables } from './env.schema';
export * from './dot-env';
export * from './config-secrets';
export { FULL_ACCESS, parseApiTokens } from './api-tokens.parser';
