import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source.options';

// Any fixed number: every process that migrates takes this lock, so concurrent start-ups migrate once.
const MIGRATION_LOCK = 0x7477_6d69;

/**
 * For the short-lived start-up clients: a connection lost between their queries would otherwise be an unhandled
 * 'error' event; the query or connect in progress rejects with it anyway.
 */
function ignoreIdleError(): void {}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/**
 * Creates the database named in the URL when it does not exist. The database itself is tried first, so a
 * role that may connect only to its own database starts; the `postgres` maintenance database is used only
 * to create a missing one.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  if (await databaseExists(url)) return false;
  const name = databaseName(url);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  client.on('error', ignoreIdleError);
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } catch (e) {
    // Created by a concurrent start-up: 42P04 once it is visible, 23505 while its creation is in flight.
    if (['42P04', '23505'].includes((e as { code?: string }).code ?? '')) return false;
    throw e;
  } finally {
    await client.end();
  }
}

async function databaseExists(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  client.on('error', ignoreIdleError);
  try {
    await client.connect();
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === '3D000') return false; // invalid_catalog_name: no such database
    throw e;
  } finally {
    await client.end().catch(() => undefined);
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
