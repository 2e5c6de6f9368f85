import 'reflect-metadata';
import { loadConfig, loadDotEnv } from '@app/config';
import { createRootLogger } from '@app/logger';
import { prepareDatabase } from './prepare-database';

/** `npm run migration:run`: create the database if needed and apply pending migrations. */
async function main() {
  loadDotEnv();
  const config = loadConfig(process.env, { forRoles: false }); // migrating needs no credentials nor tokens
  const log = createRootLogger(config.logLevel, 'migrate');
  const result = await prepareDatabase(config.databaseUrl);
  log.info(result, result.migrations.length ? 'migrations applied' : 'schema up to date');
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
