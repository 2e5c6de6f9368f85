/**
 * bench/feed: the HTTP change feed under many subscribers. Three processes: the service (api + worker roles, so
 * its relay publishes), the subscribers (bench/feed-clients, forked), and this one, which seeds, measures and
 * reports. Postgres tx/s are pg_stat_database's xact_commit + xact_rollback deltas of the benchmark's own
 * database; read-API latency is GET /v1/services/{IS}/users?limit=50 at a fixed rate (open loop, so a stall
 * shows as the latency of every request it delayed); RSS is the service process's, from /proc/<pid>/status.
 *
 *   1. idle: no subscriber (the baseline), then 1,000 SSE streams + 200 long-polls (wait=30) at the head. The long-polls
 *      start spread over one wait period, as independent consumers would (started together, all 200 would renew in
 *      the same millisecond every 30 s, which no deployment sees); the measuring starts once all of them run.
 *      Targets: tx/s within +20 of idle; p99 within 1.2 × idle.
 *   2. replay: 400 SSE streams opened without `after`, each replaying the 50,000 retained events.
 *      Targets: every stream receives all 50,000 in order; service RSS < 500 MB; p99 < 5 × idle while they replay.
 *   3. live: 2,000 events committed (40 page transactions of 50, one every 50 ms) while the 400 streams follow.
 *      Target: every stream has them; p99 from just before COMMIT to a client seeing the page's last event < 200 ms.
 *
 *   npm run build && node dist/bench/feed.js [--idle-streams=1000] [--idle-polls=200] [--replay-streams=400]
 *     [--events=50000] [--window=15] [--rate=50] [--live-interval=50] [--parts=idle,replay]
 *   Service settings pass through the environment (e.g. EVENTS_FEED_REPLAY_RATE=2000 node dist/bench/feed.js), and
 *   BENCH_SERVICE_NODE_ARGS to the service's node (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import 'reflect-metadata';
import { ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';
import { Agent, request } from 'undici';
import { dataSourceOptions } from '@app/database';
import type { UserChange } from '@app/events';
import { appendEvents } from '@app/mirror-writer';
import { startMirror } from '../apps/mirror/src/bootstrap';
import { benchConfig, benchDatabase, benchPrefix, fmt, PG_ADMIN_URL, SIM_ACCOUNT } from './support/bench-env';
import { renamedPage } from './support/bench-events';
import type { ClientCommand, ClientReport } from './feed-clients';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const IDLE_STREAMS = arg('idle-streams', 1000);
const IDLE_POLLS = arg('idle-polls', 200);
const REPLAY_STREAMS = arg('replay-streams', 400);
const EVENTS = arg('events', 50_000);
const WINDOW_S = arg('window', 15);
const RATE = arg('rate', 50);
/** --parts=idle,replay picks the parts (replay includes live, which follows it). */
const PARTS = new Set((process.argv.find((a) => a.startsWith('--parts='))?.slice(8) ?? 'idle,replay').split(','));
const LIVE_PAGES = 40;
/** One page of 50 events every 50 ms (1,000 events a second), as bench/events measures commit-to-consumer. */
const LIVE_INTERVAL_MS = arg('live-interval', 50);
const LONG_POLL_WAIT_S = 30;
const PAGE = 50;
const USERS = 10_000;
const SERVICE = 'IS' + 'f'.repeat(32);
/** Several consumers, as in a deployment: each token stays under the per-token cap. */
const TOKENS = ['bench-feed-token-a', 'bench-feed-token-b', 'bench-feed-token-c', 'bench-feed-token-d'];
const SERVICE_ENV_KEYS = ['EVENTS_FEED_MAX_SUBSCRIBERS', 'EVENTS_FEED_MAX_SUBSCRIBERS_PER_TOKEN', 'EVENTS_FEED_REPLAY_RATE', 'EVENTS_FEED_REPLAY_PROCESS_RATE', 'EVENTS_FEED_SLOW_CLIENT_GRACE_MS', 'EVENTS_FEED_SAFETY_POLL_MS'];

// ─── the service, in a child process ────────────────────────────────────────────────────────────

async function serve(): Promise<void> {
  const [, , , dbUrl, prefix] = process.argv;
  const env: Record<string, string> = { ROLES: 'api,worker', PORT: '0', API_TOKENS: TOKENS.join(',') };
  for (const k of SERVICE_ENV_KEYS) if (process.env[k]) env[k] = process.env[k]!;
  const mirror = await startMirror(benchConfig(dbUrl, prefix, env));
  // The service's event-loop delay, reset at each ask: tells a stalled loop from a machine short of CPU.
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  process.on('message', (m: string) => {
    if (m !== 'loop-delay') return;
    process.send!({ loopDelay: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 } });
    delay.reset();
  });
  process.send!({ url: mirror.url });
  process.on('SIGTERM', () => void mirror.close().then(() => process.exit(0)));
}

// ─── seeding ────────────────────────────────────────────────────────────────────────────────────

const page = (from: number): UserChange[] => renamedPage(from, PAGE, SERVICE);

const ctx = { accountSid: SIM_ACCOUNT, serviceSid: SERVICE, runId: null };

async function seed(ds: DataSource): Promise<void> {
  await ds.query(
    `INSERT INTO users (sid, account_sid, chat_service_sid, role_sid, identity, friendly_name, attributes, date_created, date_updated, url, links, source_hash)
     SELECT 'US' || lpad(to_hex(i), 32, '0'), $3, $1::text, 'RL' || repeat('f', 32), 'user' || i || '@example.com', 'User Number ' || i,
            jsonb_build_object('department', 'support', 'level', i % 10), now(), now(),
            'https://conversations.twilio.com/v1/Services/' || $1::text || '/Users/US' || lpad(to_hex(i), 32, '0'), '{}'::jsonb, 'bench'
     FROM generate_series(1, $2::int) AS i`,
    [SERVICE, USERS, SIM_ACCOUNT],
  );
  await ds.query(`INSERT INTO services (sid, account_sid, friendly_name, user_count) VALUES ($1, $2, 'Bench', $3)`, [SERVICE, SIM_ACCOUNT, USERS]);
  for (let n = 0; n < EVENTS; n += PAGE) await ds.transaction((m) => appendEvents(m, ctx, page(n)));
  await ds.query('VACUUM ANALYZE users');
  await ds.query('VACUUM ANALYZE user_events');
}

// ─── measuring ──────────────────────────────────────────────────────────────────────────────────

function rssMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** CPU seconds used so far: the machine's (all cores, busy = not idle/iowait) and one process's (user + system). */
function cpuSeconds(pid: number): { machineBusy: number; machineTotal: number; service: number } {
  const ticks = 100; // USER_HZ
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = cpu[3] + cpu[4];
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { machineBusy: (total - idle) / ticks, machineTotal: total / ticks, service: (Number(fields[11]) + Number(fields[12])) / ticks };
}

/** Over a phase: how busy the whole machine was (all processes, ours and others'), and the service alone, in cores. */
function cpuSince(pid: number, from: ReturnType<typeof cpuSeconds>, seconds: number): string {
  const now = cpuSeconds(pid);
  const machine = (now.machineBusy - from.machineBusy) / (now.machineTotal - from.machineTotal);
  return `machine ${fmt(machine * 100)} % busy, service ${fmt((now.service - from.service) / seconds, 2)} cores`;
}

class Stats {
  constructor(private readonly admin: Client, private readonly db: string) {}
  async transactions(): Promise<number> {
    const { rows } = await this.admin.query('SELECT (xact_commit + xact_rollback)::bigint::text AS n FROM pg_stat_database WHERE datname = $1', [this.db]);
    return Number(rows[0].n);
  }
  /** Transactions per second over `seconds` (the stats a backend reports reach the view within about a second). */
  async txPerSecond(seconds: number): Promise<number> {
    const t0 = performance.now();
    const n0 = await this.transactions();
    await sleep(seconds * 1000);
    const n1 = await this.transactions();
    return (n1 - n0) / ((performance.now() - t0) / 1000);
  }
}

interface Latency {
  n: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
}

/**
 * GET …/users?limit=50 at `RATE` requests a second for `until` (open loop: sent on schedule whatever the answers,
 * so a stalled server shows in every request it delayed).
 */
async function latencyLoop(base: string, until: () => boolean): Promise<Latency> {
  const dispatcher = new Agent({ connections: 64, pipelining: 1 });
  const samples: number[] = [];
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const every = 1000 / RATE;
  let next = performance.now();
  while (!until()) {
    const t0 = performance.now();
    const p = request(`${base}/v1/services/${SERVICE}/users?limit=50`, { dispatcher, headers: { authorization: `Bearer ${TOKENS[0]}` } })
      .then(async (res) => {
        await res.body.text();
        if (res.statusCode === 200) samples.push(performance.now() - t0);
        else errors++;
      })
      .catch(() => void errors++)
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    next += every;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(inFlight);
  await dispatcher.close();
  samples.sort((a, b) => a - b);
  const pct = (q: number) => samples[Math.min(samples.length - 1, Math.max(0, Math.ceil(q * samples.length) - 1))] ?? NaN;
  return { n: samples.length, errors, p50: pct(0.5), p90: pct(0.9), p99: pct(0.99) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const forSeconds = (s: number) => {
  const end = performance.now() + s * 1000;
  return () => performance.now() >= end;
};
const lat = (l: Latency) => `p50 ${fmt(l.p50, 1)} / p90 ${fmt(l.p90, 1)} / p99 ${fmt(l.p99, 1)} ms (${fmt(l.n)} requests${l.errors ? `, ${l.errors} errors` : ''})`;

// ─── the child processes ────────────────────────────────────────────────────────────────────────

function startService(dbUrl: string, prefix: string): Promise<{ url: string; proc: ChildProcess }> {
  // BENCH_SERVICE_NODE_ARGS: e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to see where the service's time goes.
  const execArgv = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = fork(__filename, ['serve', dbUrl, prefix], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  return new Promise((resolve, reject) => {
    proc.once('message', (m: { url: string }) => resolve({ url: m.url, proc }));
    proc.once('exit', (code) => reject(new Error(`service exited with ${code}`)));
  });
}

class Clients {
  readonly proc = fork(path.join(__dirname, 'feed-clients.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  private listeners = new Set<(r: ClientReport) => void>();
  lastProgress: Extract<ClientReport, { kind: 'progress' }> | null = null;

  constructor() {
    this.proc.on('message', (r: ClientReport) => {
      if (r.kind === 'progress') this.lastProgress = r;
      for (const l of [...this.listeners]) l(r);
    });
  }

  send(c: ClientCommand): void {
    this.proc.send(c);
  }

  next<K extends ClientReport['kind']>(kind: K, timeoutMs: number): Promise<Extract<ClientReport, { kind: K }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(l);
        reject(new Error(`clients: no ${kind} within ${timeoutMs / 1000} s (last progress ${JSON.stringify(this.lastProgress)})`));
      }, timeoutMs);
      const l = (r: ClientReport) => {
        if (r.kind !== kind) return;
        clearTimeout(timer);
        this.listeners.delete(l);
        resolve(r as Extract<ClientReport, { kind: K }>);
      };
      this.listeners.add(l);
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.proc.exitCode !== null) return resolve();
      this.proc.once('exit', () => resolve());
      this.proc.disconnect();
    });
  }
}

type LoopDelay = { p50: number; p99: number; max: number };

/** The service's event-loop delay since the last ask. */
function loopDelay(proc: ChildProcess): Promise<LoopDelay> {
  return new Promise((resolve) => {
    const on = (m: { loopDelay?: LoopDelay }) => {
      if (!m.loopDelay) return;
      proc.off('message', on);
      resolve(m.loopDelay);
    };
    proc.on('message', on);
    proc.send('loop-delay');
  });
}
const loop = (d: LoopDelay) => `event-loop delay p50 ${fmt(d.p50, 1)} / p99 ${fmt(d.p99, 1)} / max ${fmt(d.max, 1)} ms`;

function stopProcess(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

// ─── the run ────────────────────────────────────────────────────────────────────────────────────

async function lastPublished(pool: Pool): Promise<{ through: number; last: number }> {
  const { rows } = await pool.query('SELECT published_through::int AS through, (SELECT last FROM event_sequence)::int AS last FROM relay_state');
  return rows[0];
}

async function main(): Promise<void> {
  const db = await benchDatabase('feed');
  const redis = benchPrefix('feed');
  const dbName = new URL(db.url).pathname.slice(1);
  const ds = new DataSource(dataSourceOptions(db.url, 4));
  const admin = new Client({ connectionString: PG_ADMIN_URL }); // on another database: its reads are not counted
  const pool = new Pool({ connectionString: db.url, max: 2 });
  // A dropped connection fails the bench's next query, with its reason; unheard, the 'error' event would end it at once.
  pool.on('error', (e) => console.error(`bench pool: ${e.message}`));
  admin.on('error', (e) => console.error(`bench stats connection: ${e.message}`));
  let service: { url: string; proc: ChildProcess } | null = null;
  let clients: Clients | null = null;
  const rows: string[] = [];
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  try {
    await ds.initialize();
    await admin.connect();
    const t0 = performance.now();
    await seed(ds);
    console.log(`bench/feed (${new Date().toISOString()}): seeded ${fmt(USERS)} users and ${fmt(EVENTS)} events in ${fmt((performance.now() - t0) / 1000, 1)} s`);
    service = await startService(db.url, redis.prefix);
    const url = service.url;
    const pid = service.proc.pid!;
    for (let p = await lastPublished(pool); p.through < p.last; p = await lastPublished(pool)) await sleep(100);
    const stats = new Stats(admin, dbName);
    clients = new Clients();

    // 1. idle
    await latencyLoop(url, forSeconds(2)); // warm-up
    // An idle backend reports its transactions to pg_stat_database up to 10 s late: let the warm-up's land first.
    await sleep(11_000);
    const idleTx = await stats.txPerSecond(WINDOW_S);
    await loopDelay(service.proc);
    let cpu0 = cpuSeconds(pid);
    const idleLat = await latencyLoop(url, forSeconds(WINDOW_S));
    console.log(
      `idle, no subscriber: ${fmt(idleTx, 1)} tx/s; read API ${lat(idleLat)}; service ${loop(await loopDelay(service.proc))}, RSS ${fmt(rssMb(pid).rss)} MB; ` +
        cpuSince(pid, cpu0, WINDOW_S),
    );

    if (PARTS.has('idle')) {
      const { last } = await lastPublished(pool);
      clients.send({ cmd: 'idle', url, tokens: TOKENS, streams: IDLE_STREAMS, longPolls: IDLE_POLLS, after: String(last), spreadMs: LONG_POLL_WAIT_S * 1000 });
      const opened = await clients.next('idle-open', 120_000);
      await sleep(LONG_POLL_WAIT_S * 1000 + 2000); // every long-poll started (at its own moment in one wait period) and renews on its own
      const loadedTx = await stats.txPerSecond(WINDOW_S);
      await loopDelay(service.proc);
      cpu0 = cpuSeconds(pid);
      const loadedLat = await latencyLoop(url, forSeconds(WINDOW_S));
      console.log(
        `${fmt(opened.streams)} idle SSE streams + ${fmt(IDLE_POLLS)} idle long-polls (${opened.refused} refused): ${fmt(loadedTx, 1)} tx/s; ` +
          `read API ${lat(loadedLat)}; service ${loop(await loopDelay(service.proc))}, RSS ${fmt(rssMb(pid).rss)} MB; ${cpuSince(pid, cpu0, WINDOW_S)}`,
      );
      const txOk = loadedTx <= idleTx + 20;
      rows.push(`idle subscribers: tx/s ${fmt(idleTx, 1)} → ${fmt(loadedTx, 1)} (Δ ${fmt(loadedTx - idleTx, 1)}, target ≤ +20: ${verdict(txOk)})`);
      clients.send({ cmd: 'close' });
      await sleep(2000);
      // Bracketed: the machine drifts from one minute to the next, so loaded is compared with idle before and after.
      cpu0 = cpuSeconds(pid);
      const afterLat = await latencyLoop(url, forSeconds(WINDOW_S));
      console.log(`idle again, subscribers closed: read API ${lat(afterLat)}; ${cpuSince(pid, cpu0, WINDOW_S)}`);
      const idleP99 = (idleLat.p99 + afterLat.p99) / 2;
      const idleP99Ok = loadedLat.p99 <= 1.2 * idleP99;
      rows.push(
        `idle subscribers: read-API p99 ${fmt(idleLat.p99, 1)} (before) / ${fmt(afterLat.p99, 1)} (after) → ${fmt(loadedLat.p99, 1)} ms ` +
          `(× ${fmt(loadedLat.p99 / idleP99, 2)} of their mean, target ≤ 1.2: ${verdict(idleP99Ok)})`,
      );
    }

    if (PARTS.has('replay')) {
      // 2. replay
      let replayDone = false;
      let peakRss = 0;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid).rss)), 250);
      const txBefore = await stats.transactions();
      const replayStarted = performance.now();
      await loopDelay(service.proc);
      const replayCpu = cpuSeconds(pid);
      clients.send({ cmd: 'replay', url, tokens: TOKENS, streams: REPLAY_STREAMS, expect: EVENTS });
      const finished = clients.next('replay-done', 30 * 60_000).finally(() => (replayDone = true));
      const progress = setInterval(() => {
        const p = clients!.lastProgress;
        if (p) console.log(`  replay: ${fmt(p.received)} events received, ${p.done}/${p.streams} streams done, RSS ${fmt(rssMb(pid).rss)} MB`);
      }, 10_000);
      const replayLat = await latencyLoop(url, () => replayDone);
      const replay = await finished;
      const replayLoop = await loopDelay(service.proc);
      clearInterval(progress);
      clearInterval(sampler);
      const replayTx = ((await stats.transactions()) - txBefore) / ((performance.now() - replayStarted) / 1000);
      console.log(
        `replay: ${replay.complete}/${replay.streams} streams received all ${fmt(EVENTS)} events in order in ${fmt(replay.seconds, 1)} s ` +
          `(${fmt((replay.streams * EVENTS) / replay.seconds)} events/s in all; ${replay.outOfOrder} out of order, ${replay.reconnects} reconnects, ${replay.refused} refused); ` +
          `${fmt(replayTx, 1)} tx/s; read API ${lat(replayLat)}; service ${loop(replayLoop)}, RSS peak ${fmt(peakRss)} MB (VmHWM ${fmt(rssMb(pid).hwm)} MB); ` +
          cpuSince(pid, replayCpu, replay.seconds),
      );
      rows.push(`replay: ${replay.complete}/${replay.streams} streams complete and in order (target all: ${verdict(replay.complete === replay.streams && !replay.outOfOrder)})`);
      rows.push(`replay: service RSS peak ${fmt(peakRss)} MB (target < 500: ${verdict(peakRss < 500)})`);
      rows.push(`replay: read-API p99 ${fmt(replayLat.p99, 1)} ms = × ${fmt(replayLat.p99 / idleLat.p99, 2)} idle (target < 5: ${verdict(replayLat.p99 < 5 * idleLat.p99)})`);

      // 3. live: the 400 streams are at the head
      const base = (await lastPublished(pool)).last;
      const lastOfPage = Array.from({ length: LIVE_PAGES }, (_, i) => base + (i + 1) * PAGE);
      clients.send({ cmd: 'watch', ids: lastOfPage });
      await sleep(500);
      const committedAt = new Map<number, number>();
      for (let p = 0; p < LIVE_PAGES; p++) {
        const qr = ds.createQueryRunner();
        await qr.connect();
        await qr.startTransaction();
        await appendEvents(qr.manager, ctx, page(EVENTS + p * PAGE));
        const [{ last: seq }] = await qr.query('SELECT last::int AS last FROM event_sequence');
        const at = performance.timeOrigin + performance.now();
        await qr.commitTransaction();
        await qr.release();
        committedAt.set(seq, at);
        await sleep(LIVE_INTERVAL_MS);
    }
    const watched = await clients.next('watched', 120_000);
    const latencies: number[] = [];
    for (const [id, ats] of Object.entries(watched.arrivals)) for (const at of ats) latencies.push(at - committedAt.get(Number(id))!);
    latencies.sort((a, b) => a - b);
    const q = (x: number) => latencies[Math.min(latencies.length - 1, Math.ceil(x * latencies.length) - 1)];
    console.log(
      `live: ${fmt(LIVE_PAGES * PAGE)} events in ${LIVE_PAGES} commits, followed by ${REPLAY_STREAMS} streams: commit → client p50 ${fmt(q(0.5), 1)} / p99 ${fmt(q(0.99), 1)} / max ${fmt(q(1), 1)} ms ` +
        `(${fmt(latencies.length)} samples, ${watched.missing} missing)`,
    );
    rows.push(`live: every stream has them: ${verdict(watched.missing === 0)}; commit → client p99 ${fmt(q(0.99), 1)} ms (target < 200: ${verdict(q(0.99) < 200)})`);
    }

    console.log('\nsummary');
    for (const r of rows) console.log(`  ${r}`);
  } finally {
    await clients?.stop();
    if (service) await stopProcess(service.proc);
    await pool.end();
    await admin.end().catch(() => undefined);
    if (ds.isInitialized) await ds.destroy();
    await db.drop();
    await redis.cleanup();
  }
}

if (process.argv[2] === 'serve') {
  serve().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e instanceof Error ? e.stack : e);
      process.exit(1);
    },
  );
}
