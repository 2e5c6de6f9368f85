export * from './entities';
export * from './data-source.options';
export * from './prepare-database';
export * from './database.module';
export * from './mirror-user';
export * from './json-precision';
export * from './statement-builder';
