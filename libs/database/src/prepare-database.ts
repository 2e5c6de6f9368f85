import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source.options';

// Any fixed number: every process that migrates takes this lock, so concurrent start-ups migrate once.
const MIGRATION_LOCK = 0x7477_6d69;

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** Creates the database named in the URL when it does not exist, by way of the `postgres` maintenance database. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === '42P04') return false; // created by a concurrent start-up
      throw e;
    }
  } finally {
    await client.end();
  }
}

/** Applies pending migrations under an advisory lock; returns the names of those applied. */
export async function runMigrations(url: string): Promise<string[]> {
  const ds = new DataSource(dataSourceOptions(url, 1));
  await ds.initialize();
  try {
    await ds.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await ds.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await ds.destroy();
  }
}

export async function prepareDatabase(url: string): Promise<{ created: boolean; migrations: string[] }> {
  const created = await ensureDatabase(url);
  const migrations = await runMigrations(url);
  return { created, migrations };
}
