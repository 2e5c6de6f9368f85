import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startThrowawayPostgres, ThrowawayPostgres } from './throwaway-postgres';

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('a throwaway Postgres', () => {
  let pg: ThrowawayPostgres;

  beforeAll(async () => {
    pg = await startThrowawayPostgres({ settings: { max_connections: '30' } });
  });
  afterAll(async () => pg?.destroy());

  it('is a PostgreSQL 15 of its own on a loopback port, with the settings asked for', async () => {
    expect(pg.url).toBe(`postgres://postgres@127.0.0.1:${pg.port}/postgres`);
    expect(pg.port).not.toBe(5432);
    expect(pg.running).toBe(true);
    const [row] = (await query(pg.url, `SELECT current_setting('server_version_num')::int / 10000 AS major,
      current_setting('fsync') AS fsync, current_setting('max_connections') AS max, current_setting('listen_addresses') AS listen`)) as any[];
    expect(row).toEqual({ major: 15, fsync: 'off', max: '30', listen: '127.0.0.1' });
    await query(pg.url, 'CREATE TABLE kept (n int)');
    await query(pg.url, 'INSERT INTO kept VALUES (1)');
  });

  it('restart(): a session open across it is cut; the data and the URL stay', async () => {
    const client = new Client({ connectionString: pg.url });
    client.on('error', () => undefined); // the server ends the session: expected here
    await client.connect();
    await pg.restart();
    await expect(client.query('SELECT 1')).rejects.toThrow();
    await client.end().catch(() => undefined);
    expect(await query(pg.url, 'SELECT n FROM kept')).toEqual([{ n: 1 }]);
  });

  it('kill() is a crash: connections are refused until start(), which recovers the committed data on the same port', async () => {
    await query(pg.url, 'INSERT INTO kept VALUES (2)');
    await pg.kill();
    expect(pg.running).toBe(false);
    await expect(query(pg.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    await pg.start();
    expect(pg.running).toBe(true);
    expect(await query(pg.url, 'SELECT n FROM kept ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }]);
    expect(readFileSync(path.join(pg.dir, 'server.log'), 'utf8')).toMatch(/not properly shut down; automatic recovery in progress/);
  });

  it('stop() then start()', async () => {
    await pg.stop();
    await expect(query(pg.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    await pg.stop(); // stopping a stopped server is a no-op
    await pg.start();
    expect(await query(pg.url, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 2 }]);
  });

  it('destroy() stops it and removes its directory; a second destroy() does nothing', async () => {
    const other = await startThrowawayPostgres();
    expect(existsSync(other.dir)).toBe(true);
    expect(other.port).not.toBe(pg.port);
    await other.destroy();
    expect(existsSync(other.dir)).toBe(false);
    expect(other.running).toBe(false);
    await expect(query(other.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    await expect(other.destroy()).resolves.toBeUndefined();
  });

  it('a server that cannot start rejects with its log and leaves nothing behind', async () => {
    const before = new Set(readdirSync(tmpdir()));
    await expect(startThrowawayPostgres({ settings: { shared_buffers: 'lots' } })).rejects.toThrow(/pg_ctl start failed[\s\S]*server log[\s\S]*shared_buffers/);
    expect(readdirSync(tmpdir()).filter((d) => d.startsWith('pg-throwaway-') && !before.has(d))).toEqual([]);
  });
});
