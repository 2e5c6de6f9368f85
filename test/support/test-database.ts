import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, prepareDatabase } from '@app/database';

export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  dataSource: DataSource;
  drop(): Promise<void>;
}

/**
 * A database of the test file's own, migrated, dropped afterwards. Tests never touch a database they
 * did not create: drop() only drops the name this call generated.
 */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `mirror_test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  await prepareDatabase(url.toString());
  const dataSource = new DataSource(dataSourceOptions(url.toString(), 5));
  await dataSource.initialize();
  return {
    name,
    url: url.toString(),
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await dropTestDatabase(name);
    },
  };
}

/** Drops a database a test created itself (by the name it generated), whoever is still connected to it. */
export async function dropTestDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
