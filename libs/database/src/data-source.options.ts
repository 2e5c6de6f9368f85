import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../../migrations';
import { ENTITIES } from './entities';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/twilio_mirror';

/** The one definition of the data source, shared by Nest (DatabaseModule) and the migration CLI (data-source.ts). */
/**
 * asyncCommit: the service's own connections commit without waiting for the WAL flush. Safe here because
 * every write is replayable (a crawl re-fetches a lost page; its checkpoint was lost with it) and the outbox
 * relay makes a synchronous commit, which flushes all earlier WAL, before it publishes anything.
 */
export function dataSourceOptions(url: string, poolSize = 10, asyncCommit = false): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    applicationName: 'twilio-mirror',
    extra: { max: poolSize, ...(asyncCommit ? { options: '-c synchronous_commit=off' } : {}) },
  };
}
