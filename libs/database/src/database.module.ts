import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Logger } from 'pino';
import { dataSourceOptions } from './data-source.options';
import { ENTITIES } from './entities';
import { PgConnections } from './pg-connections';

/**
 * Postgres for the modules that import it: TypeORM's data source and PgConnections, the owner of every
 * connection. The schema is migrated before Nest starts (prepareDatabase in bootstrap.ts), never synchronized.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG, ROOT_LOGGER],
      useFactory: (config: AppConfig, logger: Logger) => ({
        ...dataSourceOptions(config.databaseUrl, 20, true),
        retryAttempts: 3,
        // An idle pooled connection that dies (Postgres restarted) is dropped by the pool; say so.
        poolErrorHandler: (err: Error) => logger.warn({ component: 'postgres', error: err.message }, 'idle pooled connection lost; the pool replaces it'),
      }),
    }),
    TypeOrmModule.forFeature(ENTITIES),
  ],
  providers: [PgConnections],
  exports: [TypeOrmModule, PgConnections],
})
export class DatabaseModule {}
