import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../../migrations';
import { ENTITIES } from './entities';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/twilio_mirror';

/** The one definition of the data source, shared by Nest (DatabaseModule) and the migration CLI (data-source.ts). */
export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    applicationName: 'twilio-mirror',
    extra: { max: poolSize },
  };
}
