import { loadConfig } from '@app/config';
import { RunningMirror, startMirror } from '../../apps/mirror/src/bootstrap';
import { basic, rawRequest } from '../read-api/support/raw-http';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { REDIS_URL, testRedisPrefix } from '../support/test-redis';

const API_TOKEN = 'operations-api-token-1';
const METRICS_TOKEN = 'operations-metrics-token-1';
const AC = 'AC' + 'a'.repeat(32);

/**
 * Who may open what: /status and /admin/queues take HTTP Basic with an API token as password (any user name),
 * /metrics its own METRICS_TOKEN, the health routes nothing. Every process serves /metrics and /health, a worker
 * too; /health/live answers without touching a dependency, /health/ready checks them all.
 */
describe('operations routes', () => {
  let db: TestDatabase;
  const redis = testRedisPrefix('ops');
  const mirrors: RunningMirror[] = [];

  const start = async (env: Record<string, string>) => {
    const mirror = await startMirror(
      loadConfig({
        DATABASE_URL: db.url,
        REDIS_URL,
        QUEUE_PREFIX: redis.prefix,
        TWILIO_ACCOUNT_SID: AC,
        TWILIO_AUTH_TOKEN: 'operations-twilio-token',
        TWILIO_BASE_URL: 'http://127.0.0.1:9', // nothing listens: no crawl is started here
        SYNC_ON_START: 'false',
        PORT: '0',
        API_TOKENS: API_TOKEN,
        METRICS_TOKEN,
        LOG_LEVEL: 'silent',
        ...env,
      }),
    );
    mirrors.push(mirror);
    return mirror;
  };

  beforeAll(async () => {
    db = await createTestDatabase('ops');
  });
  afterAll(async () => {
    for (const m of mirrors) await m.close();
    await db?.drop();
    await redis.cleanup();
  });

  it('asks for HTTP Basic on the pages for a browser, and takes any user name with an API token', async () => {
    const { url } = await start({ ROLES: 'api' });
    for (const path of ['/status', '/admin/queues', '/admin/queues/api/queues']) {
      for (const authorization of [undefined, basic('ops', 'not-the-token'), basic('ops', ''), `Bearer ${METRICS_TOKEN}`, basic('ops', METRICS_TOKEN)]) {
        const r = await rawRequest(url!, { path, headers: authorization ? { authorization } : {} });
        expect({ path, authorization, status: r.status }).toEqual({ path, authorization, status: 401 });
        expect(r.headers['www-authenticate']).toMatch(/^Basic realm="twilio-mirror"/);
        expect(r.text).not.toContain(API_TOKEN);
      }
      for (const authorization of [basic('ops', API_TOKEN), basic('', API_TOKEN), basic(AC, API_TOKEN), `Bearer ${API_TOKEN}`]) {
        const r = await rawRequest(url!, { path, headers: { authorization } });
        expect({ path, authorization, status: r.status }).toEqual({ path, authorization, status: 200 });
      }
    }
    const page = await rawRequest(url!, { path: '/status', headers: { authorization: basic('ops', API_TOKEN) } });
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(page.text).toMatch(/<meta http-equiv="refresh" content="5">/);
    expect(page.text).not.toMatch(/<script/i);
  });

  it('keeps /metrics to METRICS_TOKEN, and leaves the health routes open', async () => {
    const { url } = await start({ ROLES: 'api' });
    for (const authorization of [undefined, `Bearer ${API_TOKEN}`, basic('ops', METRICS_TOKEN), `Bearer ${METRICS_TOKEN.slice(1)}`]) {
      const r = await rawRequest(url!, { path: '/metrics', headers: authorization ? { authorization } : {} });
      expect({ authorization, status: r.status }).toEqual({ authorization, status: 401 });
    }
    const ok = await rawRequest(url!, { path: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expect(ok.text).toMatch(/^# HELP twilio_mirror_/m);
    for (const path of ['/health', '/health/live', '/health/ready']) expect((await rawRequest(url!, { path })).status).toBe(200);
    expect((await rawRequest(url!, { path: '/health/ready' })).json()).toMatchObject({
      status: 'ok',
      info: { postgres: { status: 'up' }, redis: { status: 'up' }, migrations: { status: 'up' } },
    });
    expect((await rawRequest(url!, { path: '/health/live' })).json()).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
  });

  it('serves /metrics and /health from a worker, and nothing of the API', async () => {
    const worker = await start({ ROLES: 'worker' });
    expect(worker.url).toBeNull();
    const url = worker.httpUrl;
    expect((await rawRequest(url, { path: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text).toMatch(/^twilio_mirror_queue_jobs\{state="waiting"\} 0$/m);
    expect((await rawRequest(url, { path: '/health/ready' })).status).toBe(200);
    for (const path of ['/v1/services', '/status', '/admin/queues', '/docs']) {
      expect({ path, status: (await rawRequest(url, { path, headers: { authorization: `Bearer ${API_TOKEN}` } })).status }).toEqual({ path, status: 404 });
    }
  });

  it('is not ready while a migration is not applied, and alive all the same', async () => {
    const { httpUrl: url } = await start({ ROLES: 'scheduler' });
    const [last] = await db.dataSource.query('SELECT id, timestamp, name FROM migrations ORDER BY id DESC LIMIT 1');
    await db.dataSource.query('DELETE FROM migrations WHERE id = $1', [last.id]);
    try {
      const ready = await rawRequest(url!, { path: '/health/ready' });
      expect(ready.status).toBe(503);
      expect(ready.json().error.migrations).toEqual({ status: 'down', message: 'migrations not applied', pending: [last.name] });
      expect((await rawRequest(url!, { path: '/health/live' })).status).toBe(200);
      expect((await rawRequest(url!, { path: '/health' })).status).toBe(200); // /health is Postgres and Redis, as before
    } finally {
      await db.dataSource.query('INSERT INTO migrations (id, timestamp, name) VALUES ($1, $2, $3)', [last.id, last.timestamp, last.name]);
    }
    expect((await rawRequest(url!, { path: '/health/ready' })).status).toBe(200);
  });

  it('is alive but not ready when Redis does not answer, and says so within its deadline', async () => {
    // The api role: a worker whose Redis is down does not close (BullMQ's blocking connection), a matter of its own.
    const { httpUrl: url } = await start({ ROLES: 'api', REDIS_URL: 'redis://127.0.0.1:9' }); // nothing listens on 9
    const started = Date.now();
    const ready = await rawRequest(url!, { path: '/health/ready' });
    expect({ status: ready.status, redis: ready.json().details.redis.status, postgres: ready.json().details.postgres.status }).toEqual({ status: 503, redis: 'down', postgres: 'up' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await rawRequest(url!, { path: '/health/live' })).status).toBe(200);
    // The gauges read from Redis are left out of the scrape, counted as a source error; the scrape itself answers.
    const scrape = await rawRequest(url!, { path: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(scrape.status).toBe(200);
    expect(scrape.text).not.toMatch(/^twilio_mirror_queue_jobs\{/m);
    // The error counter is collected beside the failing reading: the next scrape shows it.
    const next = await rawRequest(url!, { path: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(next.text).toMatch(/^twilio_mirror_scrape_errors_total\{source="queue"\} [1-9]/m);
    expect(scrape.text).toMatch(/^twilio_mirror_outbox_unpublished 0$/m); // Postgres still answers
  });
});
