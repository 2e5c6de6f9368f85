export * from './root-logger';
export * from './logger.module';
