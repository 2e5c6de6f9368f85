/**
 * bench/read-api: the read API against the limit of a bare handler, on a mirror of 100,000 users.
 *   - get-by-identity:        GET /v1/services/{IS}/users/{identity}         (a random identity each request)
 *   - first page, filtered:   GET /v1/services/{IS}/users?role_sid=RL…&limit=50 (a random role each request)
 * Each runs with autocannon at 32 connections against (1) the mirror's api role (Nest + Express, as
 * deployed: token guard, validation, global filter, request logging at LOG_LEVEL) and (2) a bare
 * node:http + pg handler doing the same SQL (built by the same functions) with a plain token check.
 * Both servers run as child processes of their own; autocannon runs in this process. The two are measured
 * in alternating 2 s slices (about --duration seconds each), so background load hits both alike.
 * Targets: Nest ≥ 0.6 × bare requests/s, Nest p99 ≤ 20 ms.
 *
 *   npm run build && node dist/bench/read-api.js [--duration=10] [--users=100000] [--log-level=warn]
 */
import 'reflect-metadata';
import { ChildProcess, fork } from 'node:child_process';
import * as http from 'node:http';
import { Pool } from 'pg';
import { loadConfig } from '@app/config';
import { startMirror } from '../apps/mirror/src/bootstrap';
import { MIRROR_USER_COLUMNS } from '../libs/read-api/src/users/user-columns';
import { userListQuery } from '../libs/read-api/src/users/user-list.query';
import { userLookupSql } from '../libs/read-api/src/users/user-lookup.query';
import { benchDatabase, benchPrefix, fmt, REDIS_URL } from './support/bench-env';

/** The part of autocannon's API used here (the package ships no type declarations). */
interface AutocannonResult {
  requests: { average: number; total: number };
  duration: number;
  latency: { p99: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
  requests: { method: string; setupRequest(req: Record<string, unknown>): Record<string, unknown> }[];
}) => Promise<AutocannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon: Autocannon = require('autocannon');

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const DURATION = Number(arg('duration', '10'));
const USERS = Number(arg('users', '100000'));
const LOG_LEVEL = arg('log-level', 'warn');
const CONNECTIONS = 32;
const SLICE_SECONDS = 2;
const POOL = 20;
const ROLES = 25;
const TOKEN = 'bench-read-api-token';
const SERVICE = 'IS' + 'b'.repeat(32);
const role = (i: number) => 'RL' + i.toString(16).padStart(32, '0');

// ─── child processes: the two servers under test ────────────────────────────────────────────────

/** The mirror's api role, started exactly as main.ts starts it. */
async function serveNest(dbUrl: string, prefix: string): Promise<string> {
  const config = loadConfig({ DATABASE_URL: dbUrl, REDIS_URL, QUEUE_PREFIX: prefix, ROLES: 'api', PORT: '0', API_TOKENS: TOKEN, LOG_LEVEL, SYNC_ON_START: 'false' });
  const mirror = await startMirror(config);
  return mirror.url!;
}

/** The limit: no framework, one pool, the same statements (their JSON written by Postgres). */
async function serveBare(dbUrl: string): Promise<string> {
  const pool = new Pool({ connectionString: dbUrl, max: POOL });
  const send = (res: http.ServerResponse, status: number, body: unknown) => sendText(res, status, JSON.stringify(body));
  const sendText = (res: http.ServerResponse, status: number, json: string) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  };
  const server = http.createServer(async (req, res) => {
    try {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(res, 401, { message: 'unauthorized' });
      const url = new URL(req.url ?? '/', 'http://bare');
      const m = /^\/v1\/services\/(IS[0-9a-fA-F]{32})\/users(?:\/([^/]+))?$/.exec(url.pathname);
      if (!m) return send(res, 404, { message: 'not found' });
      if (m[2] !== undefined) {
        const key = decodeURIComponent(m[2]);
        const { rows } = await pool.query(userLookupSql(MIRROR_USER_COLUMNS, key, false), [m[1], key]);
        return rows[0] ? sendText(res, 200, rows[0].json) : send(res, 404, { message: 'not found' });
      }
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const { text, values } = userListQuery(m[1], { roleSid: url.searchParams.get('role_sid') ?? undefined, deleted: 'exclude' }, null, limit + 1);
      const { rows } = await pool.query(text, values);
      const page = rows.slice(0, limit);
      sendText(res, 200, `{"users":[${page.map((r) => r.json).join(',')}],"next_cursor":${rows.length > limit ? '"x"' : 'null'}}`);
    } catch {
      send(res, 500, { message: 'internal error' });
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

async function child(): Promise<void> {
  const [, , , kind, dbUrl, prefix] = process.argv;
  const url = kind === 'nest' ? await serveNest(dbUrl, prefix) : await serveBare(dbUrl);
  process.send!({ url });
}

// ─── the parent: data, load, report ─────────────────────────────────────────────────────────────

/** 100,000 users in one statement: realistic rows (JSON attributes, links, dates) spread over 25 roles. */
async function seed(dbUrl: string): Promise<void> {
  const pool = new Pool({ connectionString: dbUrl, max: 1 });
  await pool.query(
    `INSERT INTO users (sid, account_sid, chat_service_sid, role_sid, identity, friendly_name, attributes, date_created, date_updated,
                        url, links, source_hash, deleted_at)
     SELECT 'US' || lpad(to_hex(i), 32, '0'), 'AC' || repeat('a', 32), $1::text, 'RL' || lpad(to_hex(i % ${ROLES}), 32, '0'),
            'user' || i || '@example.com', 'User Number ' || i,
            jsonb_build_object('department', (ARRAY['sales', 'support', 'ops', 'eng'])[i % 4 + 1], 'level', i % 10,
                               'profile', jsonb_build_object('locale', 'en-US', 'tags', jsonb_build_array('a', 'b'))),
            now() - make_interval(days => i % 1000), now() - make_interval(hours => i % 1000),
            'https://conversations.twilio.com/v1/Services/' || $1::text || '/Users/US' || lpad(to_hex(i), 32, '0'),
            jsonb_build_object('user_conversations', 'https://conversations.twilio.com/v1/Services/' || $1::text || '/Users/US' || lpad(to_hex(i), 32, '0') || '/Conversations'),
            'bench', CASE WHEN i % 100 = 0 THEN now() END
     FROM generate_series(1, $2::int) AS i`,
    [SERVICE, USERS],
  );
  await pool.query(`INSERT INTO services (sid, account_sid, friendly_name, user_count) VALUES ($1, 'AC' || repeat('a', 32), 'Bench', $2)`, [SERVICE, USERS]);
  await pool.query('VACUUM ANALYZE users');
  await pool.end();
}

function startServer(kind: 'nest' | 'bare', dbUrl: string, prefix: string): Promise<{ url: string; proc: ChildProcess }> {
  const proc = fork(__filename, ['serve', kind, dbUrl, prefix], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('message', (m: { url: string }) => resolve({ url: m.url, proc }));
    proc.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

function stop(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

interface Slice {
  requests: number;
  seconds: number;
  p99: number;
  non2xx: number;
  errors: number;
}

interface Result {
  rps: number;
  /** Median of the slices' p99s: autocannon reports percentiles per run, not mergeable histograms. */
  p99: number;
  non2xx: number;
  errors: number;
}

/** A random live user or role per request, so every request is a real index lookup, not a cached repeat. */
function pathFor(scenario: 'identity' | 'page'): () => string {
  if (scenario === 'identity') {
    return () => {
      let i = 1 + Math.floor(Math.random() * USERS);
      if (i % 100 === 0) i += 1; // tombstoned ones would be 404s
      return `/v1/services/${SERVICE}/users/${encodeURIComponent(`user${Math.min(i, USERS - 1)}@example.com`)}`;
    };
  }
  return () => `/v1/services/${SERVICE}/users?role_sid=${role(Math.floor(Math.random() * ROLES))}&limit=50`;
}

async function load(url: string, scenario: 'identity' | 'page', duration: number): Promise<Slice> {
  const next = pathFor(scenario);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    headers: { authorization: `Bearer ${TOKEN}` },
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: next() }) }],
  });
  return { requests: result.requests.total, seconds: result.duration, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

/**
 * Bare and Nest in alternating slices rather than one long run each: on a shared machine the background
 * load drifts over a minute, and alternating makes both see the same drift.
 */
async function compare(bareUrl: string, nestUrl: string, scenario: 'identity' | 'page'): Promise<{ bare: Result; nest: Result }> {
  const slices = { bare: [] as Slice[], nest: [] as Slice[] };
  for (let i = 0; i < Math.max(3, Math.round(DURATION / SLICE_SECONDS)); i++) {
    slices.bare.push(await load(bareUrl, scenario, SLICE_SECONDS));
    slices.nest.push(await load(nestUrl, scenario, SLICE_SECONDS));
  }
  const sum = (xs: Slice[]): Result => {
    const p99s = xs.map((x) => x.p99).sort((a, b) => a - b);
    return {
      rps: xs.reduce((n, x) => n + x.requests, 0) / xs.reduce((n, x) => n + x.seconds, 0),
      p99: p99s[Math.floor(p99s.length / 2)],
      non2xx: xs.reduce((n, x) => n + x.non2xx, 0),
      errors: xs.reduce((n, x) => n + x.errors, 0),
    };
  };
  return { bare: sum(slices.bare), nest: sum(slices.nest) };
}

async function main(): Promise<void> {
  const db = await benchDatabase('readapi');
  const redis = benchPrefix('readapi');
  const servers: ChildProcess[] = [];
  try {
    const t0 = Date.now();
    await seed(db.url);
    console.log(
      `seeded ${fmt(USERS)} users in ${fmt((Date.now() - t0) / 1000, 1)} s; ${CONNECTIONS} connections, ~${DURATION} s per server and scenario in ${SLICE_SECONDS} s slices, Nest LOG_LEVEL=${LOG_LEVEL}`,
    );
    const bare = await startServer('bare', db.url, redis.prefix);
    const nest = await startServer('nest', db.url, redis.prefix);
    servers.push(bare.proc, nest.proc);
    const rows: string[][] = [];
    let pass = true;
    for (const scenario of ['identity', 'page'] as const) {
      // Warm both (JIT, pools, buffers), then measure them in alternating slices on the same data.
      await load(bare.url, scenario, 2);
      await load(nest.url, scenario, 2);
      const { bare: b, nest: n } = await compare(bare.url, nest.url, scenario);
      if (b.non2xx || n.non2xx || b.errors || n.errors) throw new Error(`${scenario}: non-2xx or errors (bare ${b.non2xx}/${b.errors}, nest ${n.non2xx}/${n.errors})`);
      const ratio = n.rps / b.rps;
      const ok = ratio >= 0.6 && n.p99 <= 20;
      pass &&= ok;
      const name = scenario === 'identity' ? 'get by identity' : 'first page, role filter, 50 users';
      rows.push([name, fmt(b.rps), `${b.p99} ms`, fmt(n.rps), `${n.p99} ms`, fmt(ratio, 2), ok ? 'yes' : 'NO']);
    }
    const header = ['scenario', 'bare req/s', 'bare p99*', 'nest req/s', 'nest p99*', 'nest/bare', 'target met'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    console.log(line(header));
    for (const r of rows) console.log(line(r));
    console.log('* median of the slices\' p99 latencies');
    console.log(`target: nest ≥ 0.6 × bare req/s and nest p99 ≤ 20 ms → ${pass ? 'met' : 'NOT met'}`);
    // A missed target is reported, not an error: the run itself succeeded.
  } finally {
    for (const s of servers) await stop(s);
    await db.drop();
    await redis.cleanup();
  }
}

if (process.argv[2] === 'serve') {
  child().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  });
}
