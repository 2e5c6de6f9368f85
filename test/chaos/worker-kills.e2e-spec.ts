import { loadConfig } from '@app/config';
import { createRootLogger } from '@app/logger';
import { CrawlQueue, QueueFactory } from '@app/queue';
import { RedisConnections } from '@app/redis';
import { RunningSimulator, startSimulator } from '@app/twilio-sim';
import Redis from 'ioredis';
import { waitFor } from '../support/mirror-harness';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { REDIS_URL, testRedisPrefix } from '../support/test-redis';
import { mirrorAndUpstream, outboxAndStream, published } from './support/mirror-checks';
import { MirrorProcess, spawnMirror } from './support/mirror-process';

const USERS = 5000; // 100 pages
const KILLS = 10;

/**
 * (c) The worker (with its relay) SIGKILLed at 10 random points of one crawl. Each time a new worker takes the stalled
 * job over once its lock lapses and resumes from the checkpoint. At the end the mirror is exact, the users deleted
 * upstream are tombstoned and no other user is, and every change is in the outbox and on the stream once.
 */
describe('chaos: the worker killed 10 times in one crawl', () => {
  let db: TestDatabase;
  let sim: RunningSimulator;
  let redis: Redis;
  let queues: QueueFactory;
  let connections: RedisConnections;
  let crawlQueue: CrawlQueue;
  const prefix = testRedisPrefix('chaos-kills');
  const workers: MirrorProcess[] = [];

  const worker = () => {
    const w = spawnMirror({
      DATABASE_URL: db.url,
      REDIS_URL,
      QUEUE_PREFIX: prefix.prefix,
      EVENTS_STREAM: `${prefix.prefix}:user-events`,
      TWILIO_BASE_URL: sim.url,
      TWILIO_ACCOUNT_SID: sim.accountSid,
      TWILIO_AUTH_TOKEN: sim.authToken,
      SYNC_ON_START: 'false',
      ROLES: 'worker',
      WORKER_LOCK_MS: '1500',
      LOG_LEVEL: 'warn',
    });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    db = await createTestDatabase('chaos_kills');
    sim = await startSimulator({ port: 0, seed: 43, services: `1x${USERS}`, latencyMs: 40 });
    redis = new Redis(REDIS_URL);
    const config = loadConfig({ REDIS_URL, QUEUE_PREFIX: prefix.prefix, LOG_LEVEL: 'silent', ROLES: 'api', API_TOKENS: 'unused-token' });
    connections = new RedisConnections(config, createRootLogger('silent'));
    queues = new QueueFactory(config, createRootLogger('silent'), connections);
    crawlQueue = new CrawlQueue(queues, config);
  });

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await queues?.onApplicationShutdown();
    connections?.onApplicationShutdown();
    redis?.disconnect();
    await sim?.close();
    await db?.drop();
    await prefix.cleanup();
  });

  it('each kill costs at most the pages in flight: exact mirror, no false deletes, each change once', async () => {
    const ds = db.dataSource;
    const serviceSid = sim.serviceSids[0];
    const lastRun = async () => (await ds.query(`SELECT id::text, status, pages FROM sync_runs ORDER BY id DESC LIMIT 1`))[0];

    // A first mirror, undisturbed; then users deleted, changed and created upstream.
    let current = worker();
    await crawlQueue.enqueue(sim.accountSid, serviceSid, 'manual');
    await waitFor(async () => (await lastRun())?.status === 'succeeded', 'the first mirror', 120_000);
    const users = sim.admin.exportUsers(serviceSid);
    const gone = users.slice(1000, 1020).map((u) => u.sid);
    for (const sid of gone) sim.admin.deleteUser(serviceSid, sid);
    for (const u of users.slice(2000, 2100)) sim.admin.updateUser(serviceSid, u.sid, { friendlyName: `changed ${u.sid.slice(-5)}` });
    for (let i = 0; i < 30; i++) sim.admin.createUser(serviceSid, { identity: `late-${i}` });
    const first = await lastRun();

    // The second crawl, killed at 10 random pages.
    await waitFor(async () => (await crawlQueue.queue.getJobCounts('active', 'waiting', 'delayed')).active === 0, 'an idle queue');
    await crawlQueue.enqueue(sim.accountSid, serviceSid, 'manual');
    const points = Array.from({ length: KILLS }, () => 3 + Math.floor(Math.random() * 90)).sort((a, b) => a - b);
    let runId: string | null = null;
    for (const [i, page] of points.entries()) {
      const at = await waitFor(async () => {
        const r = await lastRun();
        return r.id !== first.id && r.status === 'running' && r.pages >= Math.max(page, i === 0 ? 0 : 1) ? r : null;
      }, `kill ${i + 1} at page ${page}`, 60_000);
      runId ??= at.id;
      expect(at.id).toBe(runId); // always the same run, resumed
      current.child.kill('SIGKILL');
      expect(await current.exited).toBe('SIGKILL');
      current = worker();
    }

    const done = await waitFor(async () => {
      const [r] = await ds.query(`SELECT id::text, status, deleted, created FROM sync_runs WHERE id = $1 AND status <> 'running'`, [runId]);
      return r;
    }, 'the killed crawl to finish', 120_000);
    expect(done).toMatchObject({ status: 'succeeded', deleted: 20, created: 30 });

    const { mirror: rows, upstream } = await mirrorAndUpstream(ds, sim, serviceSid);
    expect(rows).toEqual(upstream);
    const tombstones = await ds.query('SELECT sid FROM users WHERE deleted_at IS NOT NULL ORDER BY sid COLLATE "C"');
    expect(tombstones.map((r: { sid: string }) => r.sid)).toEqual([...gone].sort());

    await waitFor(() => published(ds), 'every event published', 60_000);
    const { rows: events, gapFree, streamIds, streamEventIds } = await outboxAndStream(ds, redis, `${prefix.prefix}:user-events`);
    const ofRound = events.filter((e) => e.seq > USERS);
    expect(ofRound).toHaveLength(20 + 100 + 30); // each change announced once, whatever the kills
    expect(new Set(ofRound.map((e) => e.user_sid)).size).toBe(150);
    expect(gapFree).toBe(true);
    expect(streamIds).toEqual(events.map((e) => `${e.seq}-0`));
    expect(streamEventIds).toEqual(events.map((e) => e.id));
  });
});
