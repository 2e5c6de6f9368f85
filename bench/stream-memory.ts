/**
 * bench/stream-memory: what one user-changed event costs in Redis on the stream, to size Redis for
 * EVENTS_STREAM_MAXLEN (docs/operations.md). Real events: the simulator's seeded users crawled by the mirror's
 * worker role (the relay publishes them as it does in production), then some of them renamed upstream and crawled
 * again. Redis's MEMORY USAGE of the stream (SAMPLES 0: every entry counted) divided by its entries.
 *
 *   npm run build && node dist/bench/stream-memory.js [users=20000] [updates=2000]
 */
import 'reflect-metadata';
import { Client } from 'pg';
import Redis from 'ioredis';
import { request } from 'undici';
import { CrawlQueue } from '@app/queue';
import { startMirror } from '../apps/mirror/src/bootstrap';
import { benchConfig, benchDatabase, benchPrefix, fmt, REDIS_URL, SIM_ACCOUNT, startSimProcess, SimProcess } from './support/bench-env';

const USERS = Number(process.argv[2] ?? 20_000);
const UPDATES = Number(process.argv[3] ?? 2_000);

async function admin<T>(sim: SimProcess, method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(`${sim.url}/admin${path}`, {
    method: method as 'GET',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} /admin${path}: ${res.statusCode} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const sim = await startSimProcess({ SIM_SERVICES: `1x${USERS}`, SIM_SEED: '21' });
  const db = await benchDatabase('stream_memory');
  const prefix = benchPrefix('stream-memory');
  const stream = `${prefix.prefix}:user-events`;
  const mirror = await startMirror(benchConfig(db.url, prefix.prefix, { TWILIO_BASE_URL: sim.url, ROLES: 'worker' }));
  const redis = new Redis(REDIS_URL);
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    const service = sim.services[0];
    const queue = mirror.app.get(CrawlQueue);
    const idle = () => until('an idle crawl queue', async () => Object.values(await queue.queue.getJobCounts('active', 'waiting', 'delayed')).every((n) => n === 0));
    const measure = async () => ({ entries: await redis.xlen(stream), bytes: Number(await redis.call('MEMORY', 'USAGE', stream, 'SAMPLES', '0')) });
    const jsonBytes = async (from: string) => {
      const entries = (await redis.xrange(stream, from, '+')) as [string, string[]][];
      const sizes = entries.map(([, fields]) => Buffer.byteLength(fields[fields.indexOf('event') + 1]));
      return sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length);
    };

    await queue.enqueue(SIM_ACCOUNT, service, 'manual');
    await until(`${USERS} events on the stream`, async () => (await redis.xlen(stream)) >= USERS);
    await idle();
    const created = await measure();
    const createdJson = await jsonBytes('-');

    // Renamed upstream: `updated` events carry the user before and after.
    const { rows } = await pg.query<{ sid: string }>('SELECT sid FROM users ORDER BY sid LIMIT $1', [UPDATES]);
    for (let i = 0; i < rows.length; i += 32) {
      await Promise.all(rows.slice(i, i + 32).map((r, j) => admin(sim, 'POST', `/services/${service}/users/${r.sid}`, { friendlyName: `Renamed ${i + j}` })));
    }
    const [first] = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
    await queue.enqueue(SIM_ACCOUNT, service, 'manual');
    await until(`${UPDATES} more events`, async () => (await redis.xlen(stream)) >= created.entries + rows.length);
    await idle();
    const both = await measure();
    const updatedJson = await jsonBytes(`(${first[0]}`);

    const perCreated = created.bytes / created.entries;
    const perUpdated = (both.bytes - created.bytes) / (both.entries - created.entries);
    console.log(`bench/stream-memory (${new Date().toISOString()}), Redis ${(await redis.info('server')).match(/redis_version:(\S+)/)?.[1]}`);
    console.log(`created: ${fmt(created.entries)} entries, ${fmt(created.bytes)} bytes → ${fmt(perCreated)} bytes an entry (event JSON ${fmt(createdJson)} bytes)`);
    console.log(`updated: ${fmt(both.entries - created.entries)} entries, ${fmt(both.bytes - created.bytes)} bytes → ${fmt(perUpdated)} bytes an entry (event JSON ${fmt(updatedJson)} bytes)`);
    console.log(`at EVENTS_STREAM_MAXLEN 1,000,000: ${fmt((perCreated * 1e6) / 2 ** 30, 2)} GiB of created events, ${fmt((perUpdated * 1e6) / 2 ** 30, 2)} GiB of updated ones`);
  } finally {
    await pg.end();
    redis.disconnect();
    await mirror.close();
    await sim.stop();
    await db.drop();
    await prefix.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
