import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSimulator, RunningSimulator } from '@app/twilio-sim';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { waitFor } from '../support/mirror-harness';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { REDIS_URL, testRedisPrefix } from '../support/test-redis';
import { EchoProxy, ProxyRequest, ProxyRule } from './support/echo-proxy';
import { Leak, leakFinder, PlantedSecret } from './support/secret-leaks';

const MAIN = path.resolve(__dirname, '../../dist/apps/mirror/src/main.js');
const run = promisify(execFile);

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Random letters and digits: no 8 characters of them turn up in other text by chance. */
const rand = (n: number) => [...randomBytes(n)].map((b) => ALNUM[b % ALNUM.length]).join('');
const hexSid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** What a misbehaving upstream may send back of a credential: each form the issue names. */
function echoOf(secret: string, user: string, authorization: string | undefined): string {
  return [
    `cut=${secret.slice(3)}`,
    `cutEnd=${secret.slice(0, -3)}`,
    `upper=${secret.toUpperCase()}`,
    `b64=${b64(secret)}`,
    `b64at1=${b64(`x${secret}`)}`,
    `b64at2=${b64(`xy${secret}`)}`,
    `pairAt1=${b64(`{${user}:${secret}}`)}`,
    `pairAt2=${b64(`{"${user}:${secret}"}`)}`,
    `url=${encodeURIComponent(secret)}`,
    `header=${authorization ?? ''}`,
    `raw=${secret}`,
  ].join(' ');
}

/**
 * Upstream error bodies, failed requests and read-API requests that carry every form of every configured
 * secret, through the real service (the built binary, its own process), then a grep of everything it wrote:
 * its output, its database, its Redis keys and its API's answers.
 */
describe('no secret, in any form, leaves the service', () => {
  let db: TestDatabase;
  let sim: RunningSimulator;
  let proxy: EchoProxy;
  let child: ChildProcess | null = null;
  const redis = testRedisPrefix('secrets');
  let output = '';

  // Account A: an auth token with characters URL-encoding changes. B: an API key. C: refused at discovery.
  const A = { sid: hexSid('AC'), token: `${rand(14)}/${rand(9)}+${rand(7)}` };
  const B = { sid: hexSid('AC'), keySid: hexSid('SK'), secret: `${rand(31)}=` };
  const C = { sid: hexSid('AC'), token: rand(32) };
  const API_TOKEN = `${rand(12)}/${rand(11)}=`;
  const planted: PlantedSecret[] = [
    { label: 'auth token A', value: A.token, user: A.sid },
    { label: 'API key secret B', value: B.secret, user: B.keySid },
    { label: 'auth token C', value: C.token, user: C.sid },
    { label: 'read-API token', value: API_TOKEN },
  ];
  const services: Record<string, string> = {};

  /** The account a request to the upstream authenticates as, by its Basic user name. */
  function credentialOf(req: ProxyRequest): { secret: string; user: string } | null {
    const m = /^Basic (.+)$/.exec(String(req.headers.authorization ?? ''));
    const user = m ? Buffer.from(m[1], 'base64').toString('utf8').split(':')[0] : '';
    if (user === A.sid) return { secret: A.token, user };
    if (user === B.keySid) return { secret: B.secret, user };
    if (user === C.sid) return { secret: C.token, user };
    return null;
  }

  const twilioError = (status: number, code: number | null, message: string, moreInfo?: string) =>
    JSON.stringify({ ...(code === null ? {} : { code }), message, more_info: moreInfo ?? `https://www.twilio.com/docs/errors/${code}`, status });

  /** Each scenario answers the users list of one service; C is refused when it lists its services. */
  const rule: ProxyRule = (req) => {
    const cred = credentialOf(req);
    if (!cred) return null;
    const echo = echoOf(cred.secret, cred.user, String(req.headers.authorization));
    if (cred.user === C.sid && /^\/v1\/Services(\?|$)/.test(req.url)) {
      return { label: 'C-401', answer: { kind: 'answer', status: 401, body: twilioError(401, 20003, `Authenticate ${echo}`) } };
    }
    const m = /^\/v1\/Services\/(IS[0-9a-f]{32})\/Users(\?.*)?$/.exec(req.url);
    const scenario = m && Object.keys(services).find((k) => services[k] === m[1]);
    if (!scenario) return null;
    const answer = (status: number, body: string, headers?: Record<string, string>) => ({ label: scenario, answer: { kind: 'answer' as const, status, body, headers } });
    switch (scenario) {
      case 'A-401':
      case 'B-401':
        return answer(401, twilioError(401, 20003, `Authenticate ${echo}`, `https://www.twilio.com/docs/errors/20003?echo=${encodeURIComponent(cred.secret)}`));
      case 'A-503':
      case 'B-503':
        return answer(503, twilioError(503, 20503, `Service Unavailable ${echo}`, `https://www.twilio.com/docs/errors/20503#${echo}`));
      case 'A-400':
        return answer(400, twilioError(400, 20001, `Invalid PageToken ${echo}`));
      case 'A-404':
        return answer(404, twilioError(404, 20404, `The requested resource was not found ${echo}`));
      case 'A-500-no-code':
        return answer(500, twilioError(500, null, `upstream proxy failure ${echo}`, `https://proxy.example/${encodeURIComponent(echo)}`));
      case 'A-html':
        return answer(200, `<html><body>${echo}</body></html>`, { 'content-type': 'text/html' });
      case 'A-429': {
        // Twice throttled with the echo, then the real pages: the crawl succeeds.
        const served = proxy.served.get(scenario) ?? 0;
        return served < 2 ? answer(429, twilioError(429, 20429, `Too Many Requests ${echo}`)) : null;
      }
      case 'A-next-page':
        // The first page names a next page whose URL carries the token, cut.
        if (m![2]?.includes('PageToken')) return null;
        return {
          label: scenario,
          answer: { kind: 'rewrite', rewrite: (body) => body.replace(/("next_page_url":\s*")([^"]+)"/, (_all, key, url) => `${key}${url}&Echo=${encodeURIComponent(cred.secret.slice(3))}"`) },
        };
      default:
        return null;
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase('secrets');
    sim = await startSimulator({ port: 0, seed: 5 });
    sim.admin.createAccount({ accountSid: A.sid, authToken: A.token });
    sim.admin.createAccount({ accountSid: B.sid, authToken: rand(32), apiKeys: [{ sid: B.keySid, secret: B.secret }] });
    for (const name of ['A-401', 'A-503', 'A-400', 'A-404', 'A-500-no-code', 'A-html', 'A-429', 'A-next-page', 'B-401', 'B-503']) {
      const sid = sim.admin.createService({ accountSid: name.startsWith('A') ? A.sid : B.sid, friendlyName: name }).sid!;
      sim.admin.bulkCreateUsers(sid, { count: 70 }); // two pages of 50
      services[name] = sid;
    }
    proxy = await EchoProxy.start(sim.url);
    proxy.rule = rule;
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await proxy?.close();
    await sim?.close();
    await db?.drop();
    await redis.cleanup();
  });

  /** Starts the built service with every role; resolves with its API's URL once it is up. */
  async function startService(): Promise<string> {
    const proc = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: db.url,
        REDIS_URL,
        QUEUE_PREFIX: redis.prefix,
        EVENTS_STREAM: `${redis.prefix}:user-events`,
        TWILIO_BASE_URL: proxy.url,
        TWILIO_ACCOUNT_SID: A.sid,
        TWILIO_AUTH_TOKEN: A.token,
        TWILIO_ACCOUNTS: `${B.sid}:${B.keySid}:${B.secret},${C.sid}:${C.token}`,
        API_TOKENS: API_TOKEN,
        ROLES: 'api,worker,scheduler',
        PORT: '0',
        LOG_LEVEL: 'debug',
        SYNC_ON_START: 'true',
        SYNC_CRON: '0 0 1 1 *',
        TWILIO_PAGE_SIZE: '50',
        CRAWL_MAX_RETRIES: '2',
        CRAWL_RETRY_BASE_MS: '10',
        CRAWL_RETRY_CAP_MS: '50',
        THROTTLE_BASE_MS: '20',
        THROTTLE_CAP_MS: '100',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString('utf8')));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString('utf8')));
    return waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`the service exited (${proc.exitCode}):\n${output}`);
      const line = output.split('\n').find((l) => l.includes('"msg":"mirror started"'));
      return line ? (JSON.parse(line).url as string) : null;
    }, 'the service to start', 30_000);
  }

  async function stopService(): Promise<void> {
    const proc = child!;
    if (proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    await exited;
  }

  /** Every value of every key of the test's prefix, read as its type needs (BullMQ's failed jobs included). */
  async function redisText(): Promise<{ text: string; keys: string[] }> {
    const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const parts: string[] = [];
    const keys: string[] = [];
    try {
      let cursor = '0';
      do {
        // As test-redis's cleanup finds them: every key that carries the prefix's tag, wherever in the name.
        const [next, batch] = await r.scan(cursor, 'MATCH', `*${redis.prefix.slice(1, -1)}*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      for (const key of keys) {
        const type = await r.type(key);
        let value: unknown;
        if (type === 'string') value = await r.get(key);
        else if (type === 'hash') value = await r.hgetall(key);
        else if (type === 'list') value = await r.lrange(key, 0, -1);
        else if (type === 'set') value = await r.smembers(key);
        else if (type === 'zset') value = await r.zrange(key, 0, -1, 'WITHSCORES');
        else if (type === 'stream') value = await r.xrange(key, '-', '+');
        else value = `<${type}>`;
        parts.push(`${key} ${JSON.stringify(value)}`);
      }
    } finally {
      r.disconnect();
    }
    return { text: parts.join('\n'), keys };
  }

  it('keeps every form of every credential out of logs, the database, Redis and the read API', async () => {
    const url = await startService();
    const bearer = { authorization: `Bearer ${API_TOKEN}` };
    const get = async (p: string, headers: Record<string, string> = bearer) => {
      const res = await fetch(url + p, { headers });
      return { status: res.status, text: await res.text() };
    };

    // Every service ends its crawl (C has none: its discovery is refused) and the queue empties.
    const runs = await waitFor(async () => {
      const rows: { id: string; service_sid: string; status: string; error: string | null }[] = await db.dataSource.query(
        `SELECT id::text, service_sid, status, error FROM sync_runs WHERE status <> 'running' ORDER BY id`,
      );
      const done = new Set(rows.map((r) => r.service_sid));
      const [c] = await db.dataSource.query(`SELECT status FROM accounts WHERE sid = $1`, [C.sid]);
      return Object.values(services).every((s) => done.has(s)) && c?.status === 'unhealthy' ? rows : null;
    }, 'every crawl to end', 60_000);
    const runOf = (name: string) => runs.find((r) => r.service_sid === services[name])!;

    // The read API, as clients get it wrong: the token in a query string, in a header of its own, as a wrong bearer.
    const reads = [
      await get(`/v1/services?access_token=${encodeURIComponent(API_TOKEN)}`),
      await get('/v1/sync-runs', { ...bearer, 'x-api-key': API_TOKEN }),
      await get('/v1/sync-runs', { authorization: `Bearer ${API_TOKEN.toUpperCase()}` }),
      await get(`/v1/services?token=${encodeURIComponent(API_TOKEN.slice(2))}`, { authorization: `Bearer ${API_TOKEN}x` }),
      await get(`/twilio/v1/Services/${services['A-429']}/Users?PageSize=5&PageToken=${encodeURIComponent(API_TOKEN)}`, {
        authorization: `Basic ${b64(`${A.sid}:${API_TOKEN}`)}`,
      }),
    ];
    expect(reads.map((r) => r.status)).toEqual([400, 200, 401, 401, 400]);

    // What the read API serves of the runs and services.
    const answers: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`/v1/sync-runs?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      answers.push(page.text);
      cursor = JSON.parse(page.text).next_cursor ?? null;
    } while (cursor);
    for (const r of runs) answers.push((await get(`/v1/sync-runs/${r.id}`)).text);
    answers.push((await get('/v1/services')).text);
    for (const sid of Object.values(services)) answers.push((await get(`/v1/services/${sid}/sync-runs`)).text);

    // The queue's failed jobs, before the service stops.
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue('crawl', { connection, prefix: redis.prefix });
    try {
      await waitFor(async () => {
        const counts = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
        return Object.values(counts).every((n) => n === 0);
      }, 'an idle crawl queue');
    } finally {
      await queue.close();
      connection.disconnect();
    }
    await stopService();

    const { stdout: dump } = await run('pg_dump', ['--data-only', '--no-owner', '--dbname', db.url], { maxBuffer: 256 * 1024 * 1024 });
    const { text: redisDump, keys } = await redisText();

    const find = leakFinder(planted);
    const leaks: Leak[] = [
      ...find('service output (stdout and stderr)', output),
      ...find('database (pg_dump --data-only)', dump),
      ...find('redis (every key of the prefix)', redisDump),
      ...answers.flatMap((a) => find('read API answer', a)),
    ];
    expect(leaks).toEqual([]);

    // The scenarios really ran: each crafted answer was served and each ended as it should.
    for (const name of [...Object.keys(services), 'C-401']) expect(proxy.served.get(name) ?? 0).toBeGreaterThan(0);
    const statuses = Object.fromEntries(Object.keys(services).map((n) => [n, runOf(n).status]));
    expect(statuses).toEqual({
      'A-401': 'failed',
      'A-503': 'failed',
      'A-400': 'failed',
      'A-404': 'removed',
      'A-500-no-code': 'failed',
      'A-html': 'failed',
      'A-429': 'succeeded',
      'A-next-page': 'failed',
      'B-401': 'failed',
      'B-503': 'failed',
    });
    // An operator can still tell what went wrong.
    expect(runOf('A-401').error).toMatch(/^TwilioAuthError 401\/20003: .*https:\/\/www\.twilio\.com\/docs\/errors\/20003/);
    expect(runOf('A-503').error).toMatch(/gave up after 2 retries: TwilioServerError 503\/20503/);
    expect(runOf('A-400').error).toMatch(/TwilioRequestError 400\/20001: .*Invalid PageToken/);
    expect(runOf('A-404').error).toMatch(/TwilioNotFoundError 404\/20404/);
    expect(runOf('A-500-no-code').error).toMatch(/TwilioServerError 500: .*upstream proxy failure/);
    expect(runOf('A-html').error).toMatch(/TwilioMalformedResponseError 200/);
    expect(runOf('A-next-page').error).toMatch(/next_page_url carries a credential/);
    const [c] = await db.dataSource.query(`SELECT status, last_error FROM accounts WHERE sid = $1`, [C.sid]);
    expect(c).toEqual({ status: 'unhealthy', last_error: expect.stringMatching(/401/) });
    expect(keys.some((k) => k.endsWith(':crawl:failed'))).toBe(true);
    expect(redisDump).toMatch(/failedReason/);
    // The access log has the request that carried the token in its query string, with the token taken out.
    expect(output).toMatch(/"url":"\/v1\/services\?access_token=\[REDACTED\]"/);
  });
});
