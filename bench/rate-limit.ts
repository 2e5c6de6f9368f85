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
import { SyncScheduler } from '@app/scheduler';
import { startMirror } from '../apps/mirror/src/bootstrap';
import { benchConfig, benchDatabase, benchPrefix, fmt, startSimProcess } from './support/bench-env';

const LIMIT = Number(process.env.BENCH_LIMIT ?? 2);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const SERVICES = 8;
const USERS = Number(process.argv[2] ?? 5000);

interface Round {
  seconds: number;
  ok: number;
  throttled: number;
  total: number;
  maxInFlight: number;
  /** Mean time the simulator held a slot per admitted request: the latency plus its own work. */
  meanSlotMs: number;
}

/** Crawls every service once from a fresh database against a simulator with the given in-flight limit. */
async function round(limit: number): Promise<Round> {
  const sim = await startSimProcess({ SIM_SERVICES: `${SERVICES}x${USERS}`, SIM_MAX_IN_FLIGHT: String(limit), SIM_LATENCY_MS: String(LATENCY_MS), SIM_SEED: '9' });
  const db = await benchDatabase('ratelimit');
  const redis = benchPrefix('ratelimit');
  const config = benchConfig(db.url, redis.prefix, { TWILIO_BASE_URL: sim.url, ROLES: 'worker,scheduler', WORKER_CONCURRENCY: '8' });
  const mirror = await startMirror(config);
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    await fetch(`${sim.url}/admin/stats/reset`, { method: 'POST' });
    const t0 = performance.now();
    await mirror.app.get(SyncScheduler).tick('manual');
    for (;;) {
      const { rows } = await pg.query(`SELECT count(*)::int AS n FROM sync_runs WHERE status = 'succeeded'`);
      if (rows[0].n >= SERVICES) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - t0) / 1000;
    const stats: any = await (await fetch(`${sim.url}/admin/stats`)).json();
    return {
      seconds,
      ok: stats.byStatus['200'] ?? 0,
      throttled: stats.byStatus['429'] ?? 0,
      total: stats.total,
      maxInFlight: Math.max(0, ...Object.values(stats.maxInFlight as Record<string, number>)),
      meanSlotMs: Math.max(0, ...Object.values(stats.meanSlotMs as Record<string, number>)),
    };
  } finally {
    await pg.end();
    await mirror.close();
    await db.drop();
    await redis.cleanup();
    await sim.stop();
  }
}

async function main() {
  console.log(`bench/rate-limit: ${SERVICES} services × ${fmt(USERS)} users, ${LATENCY_MS} ms upstream latency, worker concurrency 8`);
  const ceiling = LIMIT / (LATENCY_MS / 1000);
  const limited = await round(LIMIT);
  console.log(`upstream limit ${LIMIT} in flight: ${fmt(limited.total)} requests (200: ${fmt(limited.ok)}, 429: ${fmt(limited.throttled)}), max in flight seen ${limited.maxInFlight}, ${fmt(limited.seconds, 2)} s`);
  console.log(`  answered ${fmt(limited.ok / limited.seconds, 1)} requests/s against the ceiling of ${fmt(ceiling)} (limit ÷ latency) → ${fmt(limited.ok / limited.seconds / ceiling, 2)} (target ≥ 0.85)`);
  console.log(`  429 share: ${fmt((limited.throttled / limited.total) * 100, 2)} % (target ≤ 5 %)`);
  // The ceiling above assumes a slot is free the moment the latency is over; the simulator also spends time
  // producing and writing each page, on the same two cores as everything else.
  const slotCeiling = LIMIT / (limited.meanSlotMs / 1000);
  console.log(
    `  the simulator held each slot ${fmt(limited.meanSlotMs, 1)} ms on average (${LATENCY_MS} ms of it latency): ` +
      `limit ÷ that = ${fmt(slotCeiling, 1)} requests/s → ${fmt(limited.ok / limited.seconds / slotCeiling, 2)} of it`,
  );
  // The same crawl with no upstream limit: how fast this machine can crawl and write at all. When it is
  // below the upstream's ceiling, the crawl is bound by its own writes, not by the budget.
  const free = await round(0);
  const own = free.ok / free.seconds;
  console.log(`no upstream limit (the crawl's own ceiling on this machine): ${fmt(own, 1)} requests/s, max in flight ${free.maxInFlight}`);
  console.log(`  limited run against min(upstream ceiling, own ceiling) = ${fmt(Math.min(ceiling, own), 1)} → ${fmt(limited.ok / limited.seconds / Math.min(ceiling, own), 2)}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
