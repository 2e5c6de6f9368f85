/**
 * bench/rate-limit: the simulator limits the account to 2 requests in flight with 20 ms latency; 8 services
 * of 5,000 users are crawled with worker concurrency 8. Prints the achieved rate of answered requests
 * against the ceiling (limit ÷ latency = 100 requests/s) and the share of requests answered 429.
 * Targets: ≥ 0.85 of the ceiling, ≤ 5 % 429s.
 *
 *   npm run build && node dist/bench/rate-limit.js
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { loadConfig } from '@app/config';
import { SyncScheduler } from '@app/scheduler';
import { startMirror } from '../apps/mirror/src/bootstrap';
import { benchDatabase, benchPrefix, fmt, REDIS_URL, startSimProcess } from './support/bench-env';

const LIMIT = Number(process.env.BENCH_LIMIT ?? 2);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const SERVICES = 8;
const USERS = Number(process.argv[2] ?? 5000);

async function main() {
  console.log(`bench/rate-limit: ${SERVICES} services × ${fmt(USERS)} users, upstream limit ${LIMIT} in flight, ${LATENCY_MS} ms latency, worker concurrency 8`);
  const sim = await startSimProcess({ SIM_SERVICES: `${SERVICES}x${USERS}`, SIM_MAX_IN_FLIGHT: String(LIMIT), SIM_LATENCY_MS: String(LATENCY_MS), SIM_SEED: '9' });
  const db = await benchDatabase('ratelimit');
  const redis = benchPrefix('ratelimit');
  const config = loadConfig({
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: redis.prefix,
    EVENTS_STREAM: `${redis.prefix}:user-events`,
    TWILIO_ACCOUNT_SID: sim.accountSid,
    TWILIO_AUTH_TOKEN: 'simauthtoken00000000000000000000',
    TWILIO_BASE_URL: sim.url,
    ROLES: 'worker,scheduler',
    WORKER_CONCURRENCY: '8',
    SYNC_ON_START: 'false',
    LOG_LEVEL: 'warn',
  });
  const mirror = await startMirror(config);
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    await fetch(`${sim.url}/admin/stats/reset`, { method: 'POST' });
    const t0 = performance.now();
    await mirror.app.get(SyncScheduler).tick('manual');
    for (;;) {
      const { rows } = await pg.query(`SELECT count(*)::int AS n FROM sync_runs WHERE status <> 'running'`);
      if (rows[0].n >= SERVICES) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - t0) / 1000;
    const stats: any = await (await fetch(`${sim.url}/admin/stats`)).json();
    const { rows: runs } = await pg.query(`SELECT status, count(*)::int AS n, sum(pages)::int AS pages, sum(throttled)::int AS throttled FROM sync_runs GROUP BY status`);
    const ok = stats.byStatus['200'] ?? 0;
    const throttled = stats.byStatus['429'] ?? 0;
    const ceiling = LIMIT / (LATENCY_MS / 1000);
    console.log(`runs: ${JSON.stringify(runs)}`);
    console.log(`upstream requests: ${fmt(stats.total)} (200: ${fmt(ok)}, 429: ${fmt(throttled)}), max in flight seen: ${JSON.stringify(stats.maxInFlight)}`);
    console.log(`elapsed ${fmt(seconds, 2)} s; answered ${fmt(ok / seconds, 1)} requests/s against a ceiling of ${fmt(ceiling)} → ${fmt(ok / seconds / ceiling, 2)} of the ceiling (target ≥ 0.85)`);
    console.log(`429 share: ${fmt((throttled / stats.total) * 100, 2)} % (target ≤ 5 %)`);
  } finally {
    await pg.end();
    await mirror.close();
    await db.drop();
    await redis.cleanup();
    await sim.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
