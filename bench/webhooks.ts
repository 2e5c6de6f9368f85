/**
 * bench/webhooks: a change in Twilio to its event on the Redis Stream, through a webhook.
 *
 * The simulator (its own process, 120 ms a request) holds one service of 200 users and sends its signed
 * onUserUpdated hooks to the mirror (its own process: api, worker and scheduler roles), registered with
 * `npm run webhooks -- register`. After a first crawl and a warm-up change per user (not measured: a user's first
 * point fetch also tells its presence, and the account's budget starts small), 1,000 changes are made through the
 * simulator's admin at a steady rate to users drawn at random (seeded) among the 200. Each change's latency runs
 * from just before the admin call to the moment an XREAD consumer sees an event of that user carrying that change
 * (or a later one of the same user, which includes it).
 * Target: p99 ≤ 1 s. Also: point fetches per change, events per change.
 *
 *   npm run build && node dist/bench/webhooks.js
 *   BENCH_CHANGES=1000 BENCH_USERS=200 BENCH_RATE=100 (changes/s) BENCH_LATENCY_MS=120
 *   BENCH_HOOK_CONCURRENCY=8 (the simulator's deliveries in flight at once; 1 = one at a time)
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { Client } from 'pg';
import { request } from 'undici';
import { benchDatabase, benchPrefix, fmt, REDIS_URL, SIM_ACCOUNT, SIM_TOKEN, SimProcess, startSimProcess } from './support/bench-env';

const CHANGES = Number(process.env.BENCH_CHANGES ?? 1000);
const USERS = Number(process.env.BENCH_USERS ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 120);
/** The simulator's deliveries in flight at once: Twilio sends hooks concurrently (it documents no ordering); 1 = one at a time. */
const HOOK_CONCURRENCY = Number(process.env.BENCH_HOOK_CONCURRENCY ?? 8);
const API_TOKEN = 'bench-read-token';
const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, check: () => Promise<T | null | false>, timeoutMs = 120_000, everyMs = 50): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => null);
    if (v) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A seeded xorshift: the same users are drawn on every run. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

async function admin(sim: SimProcess, method: string, p: string, body?: unknown): Promise<any> {
  const r = await request(`${sim.url}/admin${p}`, { method: method as 'GET', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.body.text();
  if (r.statusCode >= 300) throw new Error(`${method} /admin${p}: ${r.statusCode} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

async function main(): Promise<void> {
  console.log(
    `bench/webhooks (${new Date().toISOString()}): ${CHANGES} changes over ${USERS} users at ${RATE}/s, simulator at ${LATENCY_MS} ms a request, ` +
      `${HOOK_CONCURRENCY} hook deliveries in flight at once`,
  );
  const sim = await startSimProcess({ SIM_SERVICES: `1x${USERS}`, SIM_SEED: '9', SIM_LATENCY_MS: String(LATENCY_MS) });
  const db = await benchDatabase('webhooks');
  const redis = benchPrefix('webhooks');
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}/webhooks/twilio`;
  const stream = `${redis.prefix}:user-events`;
  const twilioEnv = { TWILIO_ACCOUNT_SID: SIM_ACCOUNT, TWILIO_AUTH_TOKEN: SIM_TOKEN, TWILIO_BASE_URL: sim.url };
  const mirror: ChildProcess = spawn(process.execPath, [...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []), path.join(ROOT, 'dist/apps/mirror/src/main.js')], {
    env: {
      ...process.env,
      ...twilioEnv,
      DATABASE_URL: db.url,
      REDIS_URL,
      QUEUE_PREFIX: redis.prefix,
      EVENTS_STREAM: stream,
      ROLES: 'api,worker,scheduler',
      PORT: String(port),
      API_TOKENS: API_TOKEN,
      WEBHOOK_PUBLIC_URL: publicUrl,
      SYNC_ON_START: 'true',
      SYNC_CRON: '0 0 1 1 *',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pg = new Client({ connectionString: db.url });
  const consumer = new Redis(REDIS_URL);
  const stopMirror = () =>
    new Promise<void>((resolve) => {
      if (mirror.exitCode !== null) return resolve();
      mirror.once('exit', () => resolve());
      mirror.kill('SIGTERM');
    });
  try {
    await until('the mirror to answer /health', async () => (await request(`http://127.0.0.1:${port}/health`)).statusCode === 200);
    await pg.connect();
    const serviceSid = sim.services[0];
    await until('the first crawl', async () => (await pg.query(`SELECT 1 FROM sync_runs WHERE service_sid = $1 AND status = 'succeeded'`, [serviceSid])).rowCount);
    const registered = await run(process.execPath, [path.join(ROOT, 'dist/apps/mirror/src/webhooks-cli.js'), 'register', '--url', publicUrl], {
      env: { PATH: process.env.PATH ?? '', ...twilioEnv },
    });
    console.log(`registered: ${registered.stdout.split('\n').filter((l) => l.includes('changed:')).map((l) => l.trim()).join('; ')}`);
    const users: string[] = (await admin(sim, 'GET', `/services/${serviceSid}/users/export`)).users.map((u: { sid: string }) => u.sid);
    await admin(sim, 'PUT', `/accounts/${SIM_ACCOUNT}/webhook-faults`, { concurrency: HOOK_CONCURRENCY });

    const fetches = async () => (await admin(sim, 'GET', '/stats')).byRoute['users-fetch'] ?? 0;
    const counters = async () => {
      const r = await request(`http://127.0.0.1:${port}/v1/webhooks`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
      const body = (await r.body.json()) as { accounts: Array<Record<string, number | string>> };
      return body.accounts.find((a) => a.account_sid === SIM_ACCOUNT)!;
    };
    const lastId = async () => ((await consumer.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][])[0]?.[0] ?? '0-0';
    /** Every hook sent and every fetch done: the simulator has nothing pending and the mirror applied what it queued. */
    const settle = () =>
      until('the hooks to settle', async () => {
        const s = await admin(sim, 'GET', '/stats');
        if ((s.webhooks[SIM_ACCOUNT]?.pending ?? 0) > 0) return false;
        const r = await request(`http://127.0.0.1:${port}/v1/webhooks`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
        const { queue } = (await r.body.json()) as { queue: Record<string, number> };
        return queue.waiting + queue.active + queue.delayed === 0;
      });

    // Warm-up, not measured: a change per user, at the same rate.
    for (const [i, sid] of users.entries()) {
      await admin(sim, 'POST', `/services/${serviceSid}/users/${sid}`, { attributes: { bench: -1 - i } });
      await new Promise((r) => setTimeout(r, 1000 / RATE));
    }
    await settle();

    // The measured changes.
    const from = await lastId();
    const seen = new Map<string, { at: number; bench: number }[]>();
    let reading = true;
    let eventsSeen = 0;
    const reader = (async () => {
      let last = from;
      while (reading) {
        const reply = (await consumer.xread('COUNT', 1000, 'BLOCK', 100, 'STREAMS', stream, last)) as [string, [string, string[]][]][] | null;
        const at = performance.now();
        for (const [id, flat] of reply?.[0]?.[1] ?? []) {
          last = id;
          eventsSeen++;
          const event = JSON.parse(flat[flat.indexOf('event') + 1]);
          const bench = event.data?.after?.attributes?.bench;
          if (typeof bench !== 'number') continue;
          const list = seen.get(event.subject) ?? [];
          list.push({ at, bench });
          seen.set(event.subject, list);
        }
      }
    })();
    const fetchesBefore = await fetches();
    const countersBefore = await counters();
    const cpuBefore = { mirror: cpuSeconds(mirror.pid), sim: cpuSeconds(sim.pid) };
    // Where a backlog builds up, if one does: hooks not yet delivered by the simulator, fetches not yet run.
    const backlog = { hooks: 0, fetches: 0, active: 0, budget: 0, leases: 0 };
    const budgetKey = `${redis.prefix}:budget:${SIM_ACCOUNT}`;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const s = await admin(sim, 'GET', '/stats');
        const r = await request(`http://127.0.0.1:${port}/v1/webhooks`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
        const { queue } = (await r.body.json()) as { queue: Record<string, number> };
        backlog.hooks = Math.max(backlog.hooks, s.webhooks[SIM_ACCOUNT]?.pending ?? 0);
        backlog.fetches = Math.max(backlog.fetches, queue.waiting);
        backlog.active = Math.max(backlog.active, queue.active);
        backlog.budget = Math.max(backlog.budget, Number(await consumer.hget(`${budgetKey}:state`, 'limit')));
        backlog.leases = Math.max(backlog.leases, await consumer.zcard(`${budgetKey}:leases`));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const pick = prng(20261202);
    const changes: { sid: string; bench: number; at: number }[] = [];
    const t0 = performance.now();
    for (let i = 0; i < CHANGES; i++) {
      const due = t0 + (i * 1000) / RATE;
      const now = performance.now();
      if (due > now) await new Promise((r) => setTimeout(r, due - now));
      const sid = users[Math.floor(pick() * users.length)];
      const at = performance.now();
      await admin(sim, 'POST', `/services/${serviceSid}/users/${sid}`, { attributes: { bench: i } });
      changes.push({ sid, bench: i, at });
    }
    const madeMs = performance.now() - t0;
    const cpu = { mirror: cpuSeconds(mirror.pid) - cpuBefore.mirror, sim: cpuSeconds(sim.pid) - cpuBefore.sim };
    const reflected = (c: { sid: string; bench: number; at: number }) => seen.get(c.sid)?.find((e) => e.bench >= c.bench && e.at >= c.at);
    await until('every change to reach the stream', async () => changes.every((c) => reflected(c)), 60_000);
    reading = false;
    sampling = false;
    await Promise.all([reader, sampler]);
    await settle();
    const used = (await fetches()) - fetchesBefore;
    const after = await counters();
    const delta = (k: string) => Number(after[k]) - Number(countersBefore[k]);

    const latencies = changes.map((c) => reflected(c)!.at - c.at).sort((a, b) => a - b);
    const events = [...seen.values()].reduce((n, l) => n + l.length, 0);
    const distinctUsers = new Set(changes.map((c) => c.sid)).size;
    console.log(`changes: ${fmt(CHANGES)} to ${distinctUsers} users in ${fmt(madeMs)} ms (${fmt((CHANGES / madeMs) * 1000)}/s)`);
    console.log(
      `change → event on the stream (through a webhook): p50 ${fmt(percentile(latencies, 0.5))} ms  p90 ${fmt(percentile(latencies, 0.9))} ms  ` +
        `p99 ${fmt(percentile(latencies, 0.99))} ms  max ${fmt(latencies[latencies.length - 1])} ms  target p99 ≤ 1,000 ms`,
    );
    console.log(
      `point fetches: ${fmt(used)} = ${fmt(used / CHANGES, 2)} per change; events: ${fmt(events)} = ${fmt(events / CHANGES, 2)} per change ` +
        `(${fmt(eventsSeen)} stream entries); hooks received ${delta('received')}, queued ${delta('queued')}, coalesced ${delta('coalesced')}, ` +
        `paced ${delta('paced')}, throttled ${delta('throttled')}, applied ${delta('applied')}, unrecorded ${delta('unrecorded')}, fetch failures ${delta('fetch_failures')}`,
    );
    console.log(`CPU while the changes were made (${fmt(madeMs / 1000, 1)} s): mirror process ${fmt(cpu.mirror, 1)} s, simulator ${fmt(cpu.sim, 1)} s`);
    console.log(
      `backlogs seen (sampled every 250 ms, maxima): hooks not yet delivered by the simulator ${backlog.hooks}, fetches waiting for a worker ` +
        `${backlog.fetches}, running ${backlog.active}; the account's budget ${fmt(backlog.budget, 1)} requests, leases out ${backlog.leases}`,
    );
  } finally {
    consumer.disconnect();
    await pg.end().catch(() => undefined);
    await stopMirror();
    await sim.stop();
    await db.drop();
    await redis.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
