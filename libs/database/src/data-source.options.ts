import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../../migrations';
import { ENTITIES } from './entities';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/twilio_mirror';

/** The one definition of the data source, shared by Nest (DatabaseModule) and the migration CLI (data-source.ts). */
/**
 * serviceSession: settings of the service's own connections.
 * - synchronous_commit off: commits do not wait for the WAL flush. Safe here because every write is
 *   replayable (a crawl re-fetches a lost page; its checkpoint was lost with it) and the outbox relay makes a
 *   synchronous commit, which flushes all earlier WAL, before it publishes anything.
 * - random_page_cost 1.1: the SSD cost PostgreSQL's docs advise; with the default of 4 the planner may walk
 *   the primary key past rare matches instead of using the read API's GIN indexes.
 * - jit off: every statement here is short; JIT compiling one costs more (up to 200 ms) than it saves.
 */
export function dataSourceOptions(url: string, poolSize = 10, serviceSession = false): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    applicationName: 'twilio-mirror',
    extra: { max: poolSize, ...(serviceSession ? { options: '-c synchronous_commit=off -c random_page_cost=1.1 -c jit=off' } : {}) },
  };
}
