/**
 * bench/fleet: how close a whole account's first mirror comes to what the account's allowance permits, with the
 * service's defaults (nothing tuned), against the simulator with real latency and a per-account in-flight limit.
 *
 *   npm run build && node dist/bench/fleet.js
 *   BENCH_PARTS=fleet16,fleet64,accounts,single,cpu   (the default: all of them)
 *   BENCH_SINGLE_USERS=100000 BENCH_LATENCY_MS=120 BENCH_JITTER_MS=10
 *
 * Parts, each on a simulator and a database of its own:
 * - fleet16:  24 services × 1,001 users, 120 ms a page, 16 requests in flight allowed: time against the ceiling
 *             pages × latency ÷ min(services, allowance, TWILIO_MAX_IN_FLIGHT). Targets ≥ 0.9, ≤ 2 % answered 429.
 * - fleet64:  the same with 96 services and an allowance of 64.
 * - accounts: two accounts, one answered 429 on every request, the other as in fleet16: the second's own ratio.
 * - single:   one service of 100,000 users: time against pages × latency. Target ≤ 1.05.
 * - cpu:      CPU seconds of the service (this process) and of its Postgres backends (from /proc) for a first mirror
 *             and a no-op re-crawl of 100,000 users without latency, beside a bare fetch loop plus a raw upsert per page.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { request } from 'undici';
import { CrawlQueue } from '@app/queue';
import { startMirror } from '../apps/mirror/src/bootstrap';
import { benchConfig, benchDatabase, benchPrefix, fmt, SIM_ACCOUNT, SIM_TOKEN, startSimProcess, SimProcess } from './support/bench-env';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 120);
const JITTER_MS = Number(process.env.BENCH_JITTER_MS ?? 10);
const SINGLE_USERS = Number(process.env.BENCH_SINGLE_USERS ?? 100_000);
/** The service's default ceiling of its own budget (TWILIO_MAX_IN_FLIGHT). */
const DEFAULT_MAX_IN_FLIGHT = 32;

interface SimStats {
  total: number;
  byStatus: Record<string, number>;
  byAccount: Record<string, number>;
  maxInFlight: Record<string, number>;
}

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

interface Crawled {
  ms: number;
  pages: number;
  runs: number;
  statuses: Record<string, number>;
}

/** Enqueues a crawl of each service and waits until every one has a finished run started after `since`. */
async function crawlAll(
  queue: CrawlQueue,
  pg: Client,
  services: { accountSid: string; serviceSid: string }[],
  waitFor: string[] = services.map((s) => s.serviceSid),
): Promise<Crawled> {
  // A job whose run has finished holds its deduplication key until BullMQ marks it completed: enqueue once the queue is idle.
  for (;;) {
    const counts = await queue.queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
    if (Object.values(counts).every((n) => n === 0)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const [{ since }] = (await pg.query(`SELECT COALESCE(max(id), 0)::text AS since FROM sync_runs`)).rows;
  const t0 = performance.now();
  for (const s of services) {
    if (!(await queue.enqueue(s.accountSid, s.serviceSid, 'manual')).added) throw new Error(`a crawl of ${s.serviceSid} was already queued`);
  }
  for (;;) {
    const { rows } = await pg.query(
      `SELECT service_sid, status, pages FROM sync_runs WHERE id > $1 AND status <> 'running' AND service_sid = ANY($2)`,
      [since, waitFor],
    );
    if (new Set(rows.map((r) => r.service_sid)).size === waitFor.length) {
      const statuses: Record<string, number> = {};
      for (const r of rows) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      const [{ pages }] = (await pg.query(`SELECT COALESCE(sum(pages), 0)::int AS pages FROM sync_runs WHERE id > $1 AND service_sid = ANY($2)`, [since, waitFor])).rows;
      return { ms: performance.now() - t0, pages, runs: rows.length, statuses };
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface MirrorUnderTest {
  queue: CrawlQueue;
  pg: Client;
  databaseUrl: string;
  close(): Promise<void>;
}

async function mirrorFor(sim: SimProcess, label: string, env: Record<string, string> = {}): Promise<MirrorUnderTest> {
  const db = await benchDatabase(label);
  const redis = benchPrefix(label);
  const config = benchConfig(db.url, redis.prefix, { TWILIO_BASE_URL: sim.url, ROLES: 'worker', ...env });
  const mirror = await startMirror(config);
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  return {
    queue: mirror.app.get(CrawlQueue),
    pg,
    databaseUrl: db.url,
    async close() {
      await pg.end();
      await mirror.close();
      await db.drop();
      await redis.cleanup();
    },
  };
}

function report(label: string, c: Crawled, inFlightCeiling: number, stats: SimStats, accountSid: string): { ratio: number; share429: number } {
  const ceilingMs = (c.pages * LATENCY_MS) / inFlightCeiling;
  const ratio = ceilingMs / c.ms;
  const requests = stats.byAccount[accountSid] ?? stats.total;
  const throttled = stats.byStatus['429'] ?? 0;
  const share429 = throttled / Math.max(1, requests);
  console.log(
    `${label}: ${fmt(c.runs)} services, ${fmt(c.pages)} pages in ${fmt(c.ms)} ms; ceiling ${fmt(ceilingMs)} ms ` +
      `(${inFlightCeiling} in flight × ${LATENCY_MS} ms) → ${fmt(ratio, 2)} of the ceiling; ` +
      `${fmt(throttled)} of ${fmt(requests)} requests answered 429 (${fmt(share429 * 100, 1)} %); at most ${stats.maxInFlight[accountSid] ?? 0} in flight; ` +
      `runs ${JSON.stringify(c.statuses)}`,
  );
  return { ratio, share429 };
}

/** BENCH_TRACE=1: the simulator's in-flight count for the account, every 250 ms, to see where a run loses time. */
function trace(sim: SimProcess, accountSid: string): () => void {
  if (process.env.BENCH_TRACE !== '1') return () => undefined;
  const samples: number[] = [];
  const timer = setInterval(() => {
    void admin<{ inFlight: Record<string, number> }>(sim, 'GET', '/stats').then((s) => samples.push(s.inFlight[accountSid] ?? 0));
  }, 250);
  return () => {
    clearInterval(timer);
    console.log(`  in flight every 250 ms: ${samples.join(' ')}`);
  };
}

async function fleet(label: string, services: number, allowance: number): Promise<void> {
  const sim = await startSimProcess({
    SIM_SERVICES: `${services}x1001`,
    SIM_MAX_IN_FLIGHT: String(allowance),
    SIM_LATENCY_MS: String(LATENCY_MS),
    SIM_LATENCY_JITTER_MS: String(JITTER_MS),
    SIM_SEED: '11',
  });
  const m = await mirrorFor(sim, label);
  try {
    await admin(sim, 'POST', '/stats/reset');
    const stopTrace = trace(sim, SIM_ACCOUNT);
    const all = sim.services.map((serviceSid) => ({ accountSid: SIM_ACCOUNT, serviceSid }));
    const crawled = await crawlAll(m.queue, m.pg, all);
    stopTrace();
    const ceiling = Math.min(services, allowance, DEFAULT_MAX_IN_FLIGHT);
    report(`${label} (allowance ${allowance}) first mirror`, crawled, ceiling, await admin<SimStats>(sim, 'GET', '/stats'), SIM_ACCOUNT);
    // The same fleet again, nothing changed upstream: what the budget achieves when writes cost little.
    await admin(sim, 'POST', '/stats/reset');
    const again = await crawlAll(m.queue, m.pg, all);
    report(`${label} (allowance ${allowance}) no-op re-crawl`, again, ceiling, await admin<SimStats>(sim, 'GET', '/stats'), SIM_ACCOUNT);
  } finally {
    await m.close();
    await sim.stop();
  }
}

/** Two accounts: every request of the first is answered 429; the second must not be slowed by it. */
async function twoAccounts(): Promise<void> {
  const allowance = 16;
  const sim = await startSimProcess({
    SIM_SERVICES: '24x1001',
    SIM_MAX_IN_FLIGHT: String(allowance),
    SIM_LATENCY_MS: String(LATENCY_MS),
    SIM_LATENCY_JITTER_MS: String(JITTER_MS),
    SIM_SEED: '12',
  });
  const throttled = await admin<{ accountSid: string; authToken: string }>(sim, 'POST', '/accounts', {});
  const throttledServices: string[] = [];
  for (let i = 0; i < 12; i++) {
    const svc = await admin<{ sid: string }>(sim, 'POST', '/services', { accountSid: throttled.accountSid });
    await admin(sim, 'POST', `/services/${svc.sid}/users/bulk`, { count: 1001 });
    throttledServices.push(svc.sid);
  }
  await admin(sim, 'POST', '/faults', { kind: '429', count: 10_000_000, accountSid: throttled.accountSid });
  // The simulator's default account comes from TWILIO_ACCOUNT_SID (benchConfig); the throttled one is added.
  const m = await mirrorFor(sim, 'accounts', { TWILIO_ACCOUNTS: `${throttled.accountSid}:${throttled.authToken}` });
  try {
    await admin(sim, 'POST', '/stats/reset');
    const healthy = sim.services.map((serviceSid) => ({ accountSid: SIM_ACCOUNT, serviceSid }));
    const hurt = throttledServices.map((serviceSid) => ({ accountSid: throttled.accountSid, serviceSid }));
    // The throttled account's crawls go first, so they are in the way if anything makes them so.
    const crawled = await crawlAll(m.queue, m.pg, [...hurt, ...healthy], sim.services);
    const stats = await admin<SimStats>(sim, 'GET', '/stats');
    const healthyRequests = stats.byAccount[SIM_ACCOUNT] ?? 0;
    const ceilingMs = (crawled.pages * LATENCY_MS) / Math.min(sim.services.length, allowance, DEFAULT_MAX_IN_FLIGHT);
    console.log(
      `accounts: the healthy account's ${fmt(crawled.runs)} services, ${fmt(crawled.pages)} pages in ${fmt(crawled.ms)} ms → ` +
        `${fmt(ceilingMs / crawled.ms, 2)} of its own ceiling (${fmt(ceilingMs)} ms), ${fmt(healthyRequests)} requests; ` +
        `the throttled account meanwhile sent ${fmt(stats.byAccount[throttled.accountSid] ?? 0)} requests, all answered 429`,
    );
  } finally {
    await m.close();
    await sim.stop();
  }
}

async function single(): Promise<void> {
  const sim = await startSimProcess({
    SIM_SERVICES: `1x${SINGLE_USERS}`,
    SIM_MAX_IN_FLIGHT: '16',
    SIM_LATENCY_MS: String(LATENCY_MS),
    SIM_LATENCY_JITTER_MS: String(JITTER_MS),
    SIM_SEED: '13',
  });
  const m = await mirrorFor(sim, 'single');
  try {
    await admin(sim, 'POST', '/stats/reset');
    const crawled = await crawlAll(m.queue, m.pg, [{ accountSid: SIM_ACCOUNT, serviceSid: sim.services[0] }]);
    const floor = crawled.pages * LATENCY_MS;
    // What a request held the simulator for (latency, jitter and the simulator's own work): the upstream's share.
    const slot = (await admin<{ meanSlotMs: Record<string, number> }>(sim, 'GET', '/stats')).meanSlotMs[SIM_ACCOUNT];
    console.log(
      `single: 1 service of ${fmt(SINGLE_USERS)} users, ${fmt(crawled.pages)} pages in ${fmt(crawled.ms)} ms; floor pages × latency ${fmt(floor)} ms → ` +
        `${fmt(crawled.ms / floor, 3)} × the floor (target ≤ 1.05); the simulator held each request ${fmt(slot, 1)} ms on average ` +
        `(pages × that: ${fmt(crawled.ms / (crawled.pages * slot), 3)} ×)`,
    );
  } finally {
    await m.close();
    await sim.stop();
  }
}

/** utime + stime of a process, in seconds (from /proc/<pid>/stat; clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0; // the backend has gone
  }
}

async function backendPids(pg: Client, databaseUrl: string): Promise<number[]> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const { rows } = await pg.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
  return rows.map((r) => r.pid);
}

/** CPU of this process and of the database's backends while `work` runs. */
async function measureCpu(pg: Client, databaseUrl: string, work: () => Promise<void>): Promise<{ service: number; postgres: number }> {
  const before = process.cpuUsage();
  const pidsBefore = await backendPids(pg, databaseUrl);
  const pgBefore = new Map(pidsBefore.map((p) => [p, cpuSeconds(p)]));
  await work();
  const pids = new Set([...pidsBefore, ...(await backendPids(pg, databaseUrl))]);
  let postgres = 0;
  for (const p of pids) postgres += Math.max(0, cpuSeconds(p) - (pgBefore.get(p) ?? 0));
  const used = process.cpuUsage(before);
  return { service: (used.user + used.system) / 1e6, postgres };
}

async function cpu(): Promise<void> {
  const users = SINGLE_USERS;
  const sim = await startSimProcess({ SIM_SERVICES: `1x${users}`, SIM_SEED: '14' });
  const serviceSid = sim.services[0];
  try {
    // The bare loop: fetch every page, upsert its rows with one plain statement, nothing else.
    const db = await benchDatabase('cpu_bare');
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const writer = new Client({ connectionString: db.url });
    await writer.connect();
    const auth = 'Basic ' + Buffer.from(`${SIM_ACCOUNT}:${SIM_TOKEN}`).toString('base64');
    const bare = await measureCpu(pg, db.url, async () => {
      let url: string | null = `${sim.url}/v1/Services/${serviceSid}/Users?PageSize=50`;
      while (url) {
        const res = await request(url, { headers: { authorization: auth, accept: 'application/json' } });
        const body = JSON.parse(await res.body.text()) as { users: any[]; meta: { next_page_url: string | null } };
        const u = body.users;
        await writer.query(
          `INSERT INTO users (sid, account_sid, chat_service_sid, identity, friendly_name, attributes, date_created, date_updated, url, source_hash)
           SELECT t.sid, t.a, t.s, t.i, t.f, t.attr::jsonb, t.dc, t.du, t.url, t.sid
           FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::text[])
             AS t(sid, a, s, i, f, attr, dc, du, url)
           ON CONFLICT (sid) DO UPDATE SET friendly_name = EXCLUDED.friendly_name, attributes = EXCLUDED.attributes`,
          [u.map((x) => x.sid), u.map((x) => x.account_sid), u.map((x) => x.chat_service_sid), u.map((x) => x.identity), u.map((x) => x.friendly_name),
           u.map((x) => x.attributes), u.map((x) => x.date_created), u.map((x) => x.date_updated), u.map((x) => x.url)],
        );
        url = body.meta.next_page_url;
      }
    });
    await writer.end();
    await pg.end();
    await db.drop();

    const m = await mirrorFor(sim, 'cpu');
    try {
      const crawl = (): Promise<void> => crawlAll(m.queue, m.pg, [{ accountSid: SIM_ACCOUNT, serviceSid }]).then(() => undefined);
      const first = await measureCpu(m.pg, m.databaseUrl, crawl);
      const again = await measureCpu(m.pg, m.databaseUrl, crawl);
      const line = (what: string, c: { service: number; postgres: number }) =>
        `${what}: service ${fmt(c.service, 2)} s + Postgres ${fmt(c.postgres, 2)} s = ${fmt(c.service + c.postgres, 2)} CPU s`;
      console.log(`cpu (${fmt(users)} users, no latency):`);
      console.log(`  ${line('bare fetch loop + raw upsert per page', bare)}`);
      console.log(`  ${line('first mirror', first)}  (${fmt((first.service + first.postgres) / (bare.service + bare.postgres), 2)} × bare)`);
      console.log(`  ${line('no-op re-crawl', again)}  (${fmt((again.service + again.postgres) / (bare.service + bare.postgres), 2)} × bare)`);
    } finally {
      await m.close();
    }
  } finally {
    await sim.stop();
  }
}

async function main(): Promise<void> {
  const parts = new Set((process.env.BENCH_PARTS ?? 'fleet16,fleet64,accounts,single,cpu').split(','));
  console.log(`bench/fleet (${new Date().toISOString()}): latency ${LATENCY_MS} ms ± ${JITTER_MS} ms, service defaults, simulator in its own process`);
  if (parts.has('fleet16')) await fleet('fleet16', 24, 16);
  if (parts.has('fleet64')) await fleet('fleet64', 96, 64);
  if (parts.has('accounts')) await twoAccounts();
  if (parts.has('single')) await single();
  if (parts.has('cpu')) await cpu();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
