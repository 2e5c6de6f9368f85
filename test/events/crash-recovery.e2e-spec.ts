import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { AppConfig, loadConfig } from '@app/config';
import { createRootLogger } from '@app/logger';
import { CrawlQueue, QueueFactory } from '@app/queue';
import { RedisConnections } from '@app/redis';
import { RunningSimulator, startSimulator } from '@app/twilio-sim';
import Redis from 'ioredis';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { REDIS_URL, testRedisPrefix } from '../support/test-redis';
import { unpublishedCount, waitUntil } from './support/events-apps';
import { readStream } from './support/stream-reader';

const MAIN = path.resolve(__dirname, '../../dist/apps/mirror/src/main.js');
const RELAY = path.resolve(__dirname, 'support/relay-process.js');
const USERS = 3000; // 60 pages

/**
 * Real processes of the built service (`npm test` builds dist/ first): a worker killed with SIGKILL mid-crawl
 * and a relay that dies between its XADD and its mark. After recovery every change is on the stream once, with
 * the one event id the outbox gave it, and the sequence has no gap.
 */
describe('crash recovery with real processes', () => {
  let db: TestDatabase;
  let sim: RunningSimulator;
  let config: AppConfig;
  let queues: QueueFactory;
  let connections: RedisConnections;
  let redis: Redis;
  const prefix = testRedisPrefix('crash');
  const children = new Set<ChildProcess>();
  /** What every child wrote on stdout (its JSON log lines). */
  const output: string[] = [];

  const env = () => ({
    PATH: process.env.PATH,
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix.prefix,
    EVENTS_STREAM: `${prefix.prefix}:user-events`,
    TWILIO_BASE_URL: sim.url,
    TWILIO_ACCOUNT_SID: sim.accountSid,
    TWILIO_AUTH_TOKEN: sim.authToken,
    SYNC_ON_START: 'false',
    SYNC_CRON: '0 0 1 1 *',
    PORT: '0', // every process serves /metrics and /health: a free port each
    LOG_LEVEL: 'info',
    WORKER_LOCK_MS: '2000',
  });

  function spawnChild(script: string, extra: Record<string, string>): ChildProcess {
    const child = spawn(process.execPath, [script], {
      env: { ...env(), ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => {
      output.push(String(d));
      if (process.env.TEST_VERBOSE) process.stdout.write(d);
    });
    child.stderr!.on('data', (d) => process.env.TEST_VERBOSE && process.stderr.write(d));
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  }
  const worker = () => spawnChild(MAIN, { ROLES: 'worker' });
  const relay = (extra: Record<string, string> = {}) => spawnChild(RELAY, { ROLES: 'worker', ...extra });
  const exited = (c: ChildProcess) =>
    new Promise<NodeJS.Signals | number | null>((r) => (c.exitCode !== null || c.signalCode !== null ? r(c.signalCode ?? c.exitCode) : c.once('exit', (code, sig) => r(sig ?? code))));
  const started = (c: ChildProcess) => new Promise<void>((r) => c.stdout!.on('data', (d) => String(d).includes('relay started') && r()));

  beforeAll(async () => {
    db = await createTestDatabase('crash');
    sim = await startSimulator({ port: 0, seed: 41, services: `1x${USERS}`, latencyMs: 30 });
    config = loadConfig({ ...env(), ROLES: 'scheduler', LOG_LEVEL: 'silent' } as Record<string, string>);
    connections = new RedisConnections(config, createRootLogger('silent'));
    queues = new QueueFactory(config, createRootLogger('silent'), connections);
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    redis?.disconnect();
    await queues?.onApplicationShutdown();
    connections?.onApplicationShutdown();
    await sim?.close();
    await db?.drop();
    await prefix.cleanup();
  });

  it('worker SIGKILLed mid-crawl, relay killed between XADD and mark: each change once, no gap, nothing lost', async () => {
    const serviceSid = sim.serviceSids[0];
    const run = async () => (await db.dataSource.query('SELECT * FROM sync_runs ORDER BY id DESC LIMIT 1'))[0];

    // The doomed relay leads first; it kills itself right after its 4th XADD pipeline (50 events each).
    const doomedRelay = relay({ RELAY_CRASH_AFTER_PUBLISHES: '4', RELAY_BATCH: '50' });
    await started(doomedRelay);
    const doomedWorker = worker();
    await new CrawlQueue(queues, config).enqueue(sim.accountSid, serviceSid, 'manual');

    expect(await exited(doomedRelay)).toBe('SIGKILL');
    expect(await redis.xlen(config.events.stream)).toBeGreaterThanOrEqual(200);

    await waitUntil('the crawl to pass page 20', async () => (await run())?.pages >= 20, 30_000);
    doomedWorker.kill('SIGKILL');
    await exited(doomedWorker);
    const atKill = await run();
    expect(atKill.status).toBe('running');
    expect(atKill.pages).toBeLessThan(60);

    relay();
    worker(); // takes the stalled job over once its lock lapses, and resumes from the checkpoint
    await waitUntil('the resumed crawl', async () => (await run()).status !== 'running', 60_000, 100);
    const done = await run();
    expect(done).toMatchObject({ id: atKill.id, status: 'succeeded', pages: 60 });
    await waitUntil('everything published', async () => (await unpublishedCount(db.dataSource)) === 0, 20_000, 100);
    // The doomed relay died with events on the stream it had not marked: the relay after it found them there.
    const foundThere = output
      .join('')
      .split('\n')
      .filter((l) => l.includes('events found on the stream already'))
      .map((l) => JSON.parse(l).count as number);
    expect(foundThere.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

    // The outbox: one created event per upstream user, sequences 1..N without a gap.
    const rows = await db.dataSource.query('SELECT sequence::int AS seq, id, user_sid, type FROM user_events ORDER BY sequence');
    expect(rows).toHaveLength(USERS);
    expect(rows.map((r: any) => r.seq)).toEqual(Array.from({ length: USERS }, (_, i) => i + 1));
    expect(new Set(rows.map((r: any) => r.user_sid))).toEqual(new Set(sim.admin.exportUsers(serviceSid).map((u) => u.sid)));
    expect(new Set(rows.map((r: any) => r.type))).toEqual(new Set(['io.github.twilio-mirror.conversations.user.created']));

    // The stream: exactly one entry per event, in sequence order, carrying the outbox's event id.
    const entries = await readStream(redis, config.events.stream);
    expect(entries.map((e) => e.streamId)).toEqual(rows.map((r: any) => `${r.seq}-0`));
    expect(entries.map((e) => e.event.id)).toEqual(rows.map((r: any) => r.id));
    expect(new Set(entries.map((e) => e.event.id)).size).toBe(USERS);
  });
});
