import { loadConfig } from '@app/config';
import { CloudEventJson, UserEventsConsumer } from '@app/events-consumer';
import { createRootLogger } from '@app/logger';
import { CrawlQueue, QueueFactory } from '@app/queue';
import { RedisConnections } from '@app/redis';
import { RunningSimulator, startSimulator } from '@app/twilio-sim';
import Redis from 'ioredis';
import { waitFor } from '../support/mirror-harness';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { startThrowawayRedis, ThrowawayRedis } from '../support/throwaway-redis';
import { mirrorAndUpstream, outboxAndStream, published } from './support/mirror-checks';
import { MirrorProcess, spawnMirror } from './support/mirror-process';

const USERS = 4000;
const STREAM = '{chaos-redis}:user-events';

/**
 * (b) Redis restarted empty (no persistence) in the middle of a round of updates, deletions and creations, on a
 * redis-server of the test's own. Postgres holds the truth: the lost crawl job is found and enqueued again, the
 * crawl resumes from its checkpoint, the relay refills the stream from the outbox with the same ids, and a consumer
 * built on libs/events-consumer (deduping by event id, as its README says) applies each event exactly once.
 */
describe('chaos: Redis restarted empty mid-round', () => {
  let redis: ThrowawayRedis;
  let db: TestDatabase;
  let sim: RunningSimulator;
  let mirror: MirrorProcess;
  let consumer: UserEventsConsumer;
  let client: Redis;
  const applied = new Map<string, number>(); // event id → times the handler applied it
  let deliveries = 0;
  const consumerWarnings: string[] = [];

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    db = await createTestDatabase('chaos_redis');
    sim = await startSimulator({ port: 0, seed: 37, services: `1x${USERS}`, latencyMs: 15 });
    mirror = spawnMirror({
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: '{chaos-redis}',
      EVENTS_STREAM: STREAM,
      TWILIO_BASE_URL: sim.url,
      TWILIO_ACCOUNT_SID: sim.accountSid,
      TWILIO_AUTH_TOKEN: sim.authToken,
      SYNC_ON_START: 'true',
      SYNC_CRON: '0 0 1 1 *',
      SYNC_RECOVER_INTERVAL_MS: '1000',
      ROLES: 'worker,scheduler',
    });
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined); // it is restarted on purpose
    consumer = new UserEventsConsumer({
      redis: redis.url,
      stream: STREAM,
      group: 'chaos',
      consumer: 'c1',
      startFrom: '0',
      blockMs: 200,
      logger: { info: () => undefined, warn: (_obj: object, msg: string) => void consumerWarnings.push(msg), error: (_obj: object, msg: string) => void consumerWarnings.push(msg) },
      handler: async (event: CloudEventJson) => {
        deliveries++;
        if (applied.has(event.id)) return; // the documented dedupe: effects once per event id
        applied.set(event.id, 1);
      },
    });
    await consumer.start();
  });

  /** As POST /v1/services/{IS}/sync does: through the service's own queue code. */
  async function enqueueCrawl(serviceSid: string): Promise<void> {
    const config = loadConfig({ REDIS_URL: redis.url, QUEUE_PREFIX: '{chaos-redis}', LOG_LEVEL: 'silent', ROLES: 'api', API_TOKENS: 'unused-token' });
    const log = createRootLogger('silent');
    const connections = new RedisConnections(config, log);
    const queues = new QueueFactory(config, log, connections);
    try {
      await new CrawlQueue(queues, config).enqueue(sim.accountSid, serviceSid, 'manual');
    } finally {
      await queues.onApplicationShutdown();
      connections.onApplicationShutdown();
    }
  }

  afterAll(async () => {
    await consumer?.stop();
    client?.disconnect();
    await mirror?.stop();
    await sim?.close();
    await db?.drop();
    await redis?.close();
  });

  it('loses no change and applies each event once', async () => {
    const serviceSid = sim.serviceSids[0];
    const ds = db.dataSource;
    const lastRun = async () => (await ds.query(`SELECT id::text, status, pages, trigger FROM sync_runs ORDER BY id DESC LIMIT 1`))[0];
    await waitFor(async () => (await lastRun())?.status === 'succeeded', 'the first mirror', 120_000);
    await waitFor(() => published(ds), 'the first mirror published', 60_000);
    await waitFor(async () => applied.size === USERS, `${USERS} created events consumed`, 60_000);

    // A round of changes upstream, then a crawl of it.
    const users = sim.admin.exportUsers(serviceSid);
    for (const u of users.slice(0, 300)) sim.admin.updateUser(serviceSid, u.sid, { friendlyName: `renamed ${u.sid.slice(-6)}` });
    for (const u of users.slice(300, 350)) sim.admin.deleteUser(serviceSid, u.sid);
    for (let i = 0; i < 80; i++) sim.admin.createUser(serviceSid, { identity: `new-${i}`, attributes: { i } });
    const before = await lastRun();
    await enqueueCrawl(serviceSid);

    // Mid-crawl: Redis loses everything (the queue, the stream, the consumer group, the budget).
    await waitFor(async () => {
      const r = await lastRun();
      return r.id !== before.id && r.status === 'running' && r.pages >= 20;
    }, 'the round crawl to pass page 20', 60_000);
    const [{ id: runId }] = await ds.query(`SELECT id::text FROM sync_runs WHERE status = 'running'`);
    await redis.restartEmpty();

    // The run is found without a job and resumed; the round completes.
    const done = await waitFor(async () => {
      const [r] = await ds.query(`SELECT id::text, status FROM sync_runs WHERE id = $1 AND status <> 'running'`, [runId]);
      return r;
    }, 'the round crawl to finish', 120_000);
    expect(done.status).toBe('succeeded');
    expect(mirror.logged(/running without a job/).length).toBeGreaterThan(0);

    const { mirror: rows, upstream } = await mirrorAndUpstream(ds, sim, serviceSid);
    expect(rows).toEqual(upstream);
    const [{ deleted }] = await ds.query('SELECT count(*)::int AS deleted FROM users WHERE deleted_at IS NOT NULL');
    expect(deleted).toBe(50);

    // The stream is refilled from the outbox with the same ids, and the consumer applied each event once.
    await waitFor(() => published(ds), 'every event published', 60_000);
    const total = Number((await ds.query('SELECT count(*) AS n FROM user_events'))[0].n);
    expect(total).toBe(USERS + 300 + 50 + 80);
    await waitFor(async () => applied.size === total, `all ${total} events consumed`, 60_000);
    const { rows: events, gapFree, streamIds, streamEventIds } = await outboxAndStream(ds, client, STREAM);
    expect(gapFree).toBe(true);
    expect(streamIds).toEqual(events.map((e) => `${e.seq}-0`));
    expect(streamEventIds).toEqual(events.map((e) => e.id));
    expect([...applied.keys()].sort()).toEqual(events.map((e) => e.id).sort());
    expect([...applied.values()].every((n) => n === 1)).toBe(true);
    expect(deliveries).toBeGreaterThan(total); // the refill delivered some again: the dedupe is what kept them once
    expect(mirror.alive).toBe(true);
    // What each part said: the relay found the stream behind and refilled it, the consumer recreated its group.
    expect(mirror.logged(/^stream refilled from the outbox$/).length).toBeGreaterThan(0);
    expect(consumerWarnings.some((w) => /consumer group was gone/.test(w))).toBe(true); // and the consumer said what it did
  });
});
