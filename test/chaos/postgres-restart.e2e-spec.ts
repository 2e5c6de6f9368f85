import { RunningSimulator, startSimulator } from '@app/twilio-sim';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/database';
import { waitFor } from '../support/mirror-harness';
import { REDIS_URL, testRedisPrefix } from '../support/test-redis';
import { startThrowawayPostgres, ThrowawayPostgres } from '../support/throwaway-postgres';
import { mirrorAndUpstream, outboxAndStream, published } from './support/mirror-checks';
import { MirrorProcess, spawnMirror } from './support/mirror-process';

const USERS = 20_000;
const TOKEN = 'chaos-read-token-0001';

/**
 * (a) Postgres restarted at a random point of a 20,000-user crawl, on a cluster of the test's own. The service runs as
 * its own process (every role): it must not die, must report the outage on /health while it lasts, and must finish
 * the same run from its checkpoint by itself. Then the mirror equals the simulator field for field, there is one
 * created event per user, the sequence has no gap, and each event is on the stream once.
 */
describe('chaos: Postgres restarted mid-crawl', () => {
  let pg: ThrowawayPostgres;
  let sim: RunningSimulator;
  let mirror: MirrorProcess;
  let ds: DataSource;
  let redis: Redis;
  const prefix = testRedisPrefix('chaos-pg');
  const databaseUrl = () => pg.url.replace(/\/postgres$/, '/mirror');

  beforeAll(async () => {
    pg = await startThrowawayPostgres();
    sim = await startSimulator({ port: 0, seed: 31, services: `1x${USERS}`, latencyMs: 2 });
    redis = new Redis(REDIS_URL);
    mirror = spawnMirror({
      DATABASE_URL: databaseUrl(),
      REDIS_URL,
      QUEUE_PREFIX: prefix.prefix,
      EVENTS_STREAM: `${prefix.prefix}:user-events`,
      TWILIO_BASE_URL: sim.url,
      TWILIO_ACCOUNT_SID: sim.accountSid,
      TWILIO_AUTH_TOKEN: sim.authToken,
      SYNC_ON_START: 'true',
      SYNC_CRON: '0 0 1 1 *',
      ROLES: 'api,worker,scheduler',
      PORT: '0',
      API_TOKENS: TOKEN,
      WORKER_LOCK_MS: '5000',
    });
    // The database exists once the service created it.
    await waitFor(async () => mirror.logged(/^mirror started$/).length > 0 || !mirror.alive, 'the service to start', 60_000);
    expect(mirror.alive).toBe(true);
    ds = new DataSource(dataSourceOptions(databaseUrl(), 2));
    await ds.initialize();
  });

  afterAll(async () => {
    await mirror?.stop();
    await ds?.destroy().catch(() => undefined);
    redis?.disconnect();
    await sim?.close();
    await prefix.cleanup();
    await pg?.destroy();
  });

  it('rides out the restart: the same run finishes, the mirror is exact, each event is written and streamed once', async () => {
    const serviceSid = sim.serviceSids[0];
    const url = mirror.logged(/^mirror started$/)[0].url as string;
    const health = async () => (await fetch(`${url}/health`).catch(() => null))?.status ?? null;
    const written = async () => Number((await ds.query('SELECT count(*) AS n FROM users'))[0].n);
    const restartAt = 3000 + Math.floor(Math.random() * 12_000);

    await waitFor(async () => (await written()) >= restartAt, `${restartAt} users written`, 120_000);
    const [{ id: runId }] = await ds.query(`SELECT id::text FROM sync_runs WHERE status = 'running'`);
    await ds.destroy();
    await pg.stop(); // the service's sessions are cut, its writes fail
    const during = await waitFor(async () => ((await health()) === 503 ? 503 : null), '/health to report the outage', 20_000);
    await new Promise((r) => setTimeout(r, 3000)); // an outage of a few seconds, as a restart or failover takes
    await pg.start();
    ds = new DataSource(dataSourceOptions(databaseUrl(), 2));
    await ds.initialize();
    expect(during).toBe(503);
    expect(mirror.alive).toBe(true);

    const run = await waitFor(async () => {
      const [r] = await ds.query(`SELECT id::text, status, pages FROM sync_runs WHERE service_sid = $1 AND status <> 'running' ORDER BY id DESC LIMIT 1`, [serviceSid]);
      return r;
    }, 'the crawl to finish', 180_000);
    expect(run).toMatchObject({ id: runId, status: 'succeeded' }); // the same run, resumed from its checkpoint
    expect(await health()).toBe(200);
    expect(mirror.alive).toBe(true);

    const { mirror: rows, upstream } = await mirrorAndUpstream(ds, sim, serviceSid);
    expect(rows).toHaveLength(USERS);
    expect(rows).toEqual(upstream);

    await waitFor(() => published(ds), 'every event published', 60_000);
    const { rows: events, gapFree, streamIds, streamEventIds } = await outboxAndStream(ds, redis, `${prefix.prefix}:user-events`);
    expect(events).toHaveLength(USERS);
    expect(new Set(events.map((e) => e.user_sid)).size).toBe(USERS);
    expect(events.every((e) => e.type.endsWith('.user.created'))).toBe(true);
    expect(gapFree).toBe(true);
    expect(streamIds).toEqual(events.map((e) => `${e.seq}-0`));
    expect(streamEventIds).toEqual(events.map((e) => e.id));
    // It said what happened: the connections lost and the crawl attempt that failed with them.
    expect(mirror.logged(/crawl attempt failed|relay lost|postgres/i).length).toBeGreaterThan(0);
  });
});
