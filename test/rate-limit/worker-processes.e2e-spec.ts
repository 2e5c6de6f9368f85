import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '@app/config';
import { SyncScheduler } from '@app/scheduler';
import { startSimulator, RunningSimulator } from '@app/twilio-sim';
import { RunningMirror, startMirror } from '../../apps/mirror/src/bootstrap';
import { waitFor } from '../support/mirror-harness';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { REDIS_URL, testRedisPrefix } from '../support/test-redis';

const MAIN = path.resolve(__dirname, '../../dist/apps/mirror/src/main.js');

/**
 * Real worker processes (the built service, `npm test` builds it first) killed and stopped mid-crawl.
 * The simulator adds latency so a crawl lasts long enough to be interrupted.
 */
describe('worker processes', () => {
  let db: TestDatabase;
  let sim: RunningSimulator;
  let scheduler: RunningMirror;
  const redis = testRedisPrefix('procs');
  const children = new Set<ChildProcess>();
  const USERS = 2500; // 50 pages

  const baseEnv = () => ({
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: redis.prefix,
    EVENTS_STREAM: `${redis.prefix}:user-events`,
    TWILIO_BASE_URL: sim.url,
    TWILIO_ACCOUNT_SID: sim.accountSid,
    TWILIO_AUTH_TOKEN: sim.authToken,
    SYNC_ON_START: 'false',
    SYNC_CRON: '0 0 1 1 *',
    PORT: '0', // every process serves /metrics and /health: a free port each
    LOG_LEVEL: 'warn',
    WORKER_LOCK_MS: '2000',
    THROTTLE_BASE_MS: '20',
    THROTTLE_CAP_MS: '200',
  });

  function startWorker(extra: Record<string, string> = {}): ChildProcess {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, ...baseEnv(), ROLES: 'worker', ...extra },
      stdio: ['ignore', process.env.TEST_VERBOSE ? 'inherit' : 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d) => process.env.TEST_VERBOSE && process.stderr.write(d));
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  }
  const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));

  async function run(serviceSid: string): Promise<any> {
    const [r] = await db.dataSource.query(`SELECT * FROM sync_runs WHERE service_sid = $1 ORDER BY id DESC LIMIT 1`, [serviceSid]);
    return r;
  }
  async function expectMirrorEqual(serviceSid: string) {
    const upstream = sim.admin.exportUsers(serviceSid);
    const rows = await db.dataSource.query(`SELECT sid, friendly_name, attributes FROM users WHERE chat_service_sid = $1 ORDER BY sid`, [serviceSid]);
    expect(rows.map((r: any) => [r.sid, r.friendly_name, r.attributes])).toEqual(upstream.map((u) => [u.sid, u.friendly_name, JSON.parse(u.attributes!)]));
  }

  beforeAll(async () => {
    db = await createTestDatabase('procs');
    sim = await startSimulator({ port: 0, seed: 31, services: `3x${USERS}`, latencyMs: 15 });
    scheduler = await startMirror(loadConfig({ ...baseEnv(), ROLES: 'scheduler', LOG_LEVEL: 'silent' }));
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await scheduler?.close();
    await sim?.close();
    await db?.drop();
    await redis.cleanup();
  });

  it('a worker killed with SIGKILL at a random page: the crawl resumes from the checkpoint and completes', async () => {
    const [serviceSid] = sim.serviceSids;
    sim.admin.resetStats();
    const killAt = 5 + Math.floor(Math.random() * 35);
    const worker = startWorker();
    await scheduler.app.get(CrawlQueueOf(scheduler)).enqueue(sim.accountSid, serviceSid, 'manual');
    await waitFor(async () => ((await run(serviceSid))?.pages >= killAt ? true : null), `page ${killAt}`);
    worker.kill('SIGKILL');
    await exited(worker);
    const atKill = await run(serviceSid);
    expect(atKill.status).toBe('running');

    startWorker(); // BullMQ's stalled-job recovery hands it the job after the lock lapses
    const done = await waitFor(async () => {
      const r = await run(serviceSid);
      return r.status !== 'running' ? r : null;
    }, 'the resumed crawl', 60_000);
    expect(done.id).toBe(atKill.id); // the same run, resumed
    expect(done.status).toBe('succeeded');
    expect(done.pages).toBe(50);
    await expectMirrorEqual(serviceSid);
    const fetched = sim.admin.stats().byRoute['users-list'];
    expect(fetched).toBeLessThanOrEqual(50 + 2); // a crash cost at most the page in flight (and its prefetch)
  });

  async function stopAllWorkers() {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all([...children].map(exited));
  }

  it('SIGTERM finishes the page in flight, commits, exits cleanly, and the job resumes elsewhere', async () => {
    await stopAllWorkers();
    const serviceSid = sim.serviceSids[1];
    sim.admin.resetStats();
    const worker = startWorker();
    await scheduler.app.get(CrawlQueueOf(scheduler)).enqueue(sim.accountSid, serviceSid, 'manual');
    await waitFor(async () => ((await run(serviceSid))?.pages >= 10 ? true : null), 'page 10');
    worker.kill('SIGTERM');
    expect(await exited(worker)).toBe(0);
    const atStop = await run(serviceSid);
    expect(atStop.status).toBe('running');
    expect(atStop.pages).toBeLessThan(50);
    // What was committed is consistent: as many users as pages × 50.
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE chat_service_sid = $1`, [serviceSid]);
    expect(n).toBe(atStop.pages * 50);

    startWorker();
    const done = await waitFor(async () => {
      const r = await run(serviceSid);
      return r.status !== 'running' ? r : null;
    }, 'the handed-back crawl', 60_000);
    expect(done).toMatchObject({ id: atStop.id, status: 'succeeded', pages: 50 });
    await expectMirrorEqual(serviceSid);
    expect(sim.admin.stats().byRoute['users-list']).toBeLessThanOrEqual(50 + 1);
  });

  it('two worker processes on one account share its budget: the 429 share stays low', async () => {
    await stopAllWorkers();
    await db.dataSource.query(`DELETE FROM users; DELETE FROM sync_seen; UPDATE sync_runs SET status = 'succeeded' WHERE status = 'running'`);
    sim.admin.setBehavior({ maxInFlightPerAccount: 2, latencyMs: 10 });
    sim.admin.resetStats();
    startWorker({ WORKER_CONCURRENCY: '3' });
    startWorker({ WORKER_CONCURRENCY: '3' });
    const before = (await db.dataSource.query(`SELECT COALESCE(max(id), 0)::int AS m FROM sync_runs`))[0].m;
    await scheduler.app.get(SyncScheduler).tick('manual');
    await waitFor(async () => {
      const rows = await db.dataSource.query(`SELECT status FROM sync_runs WHERE id > $1 AND status <> 'running'`, [before]);
      return rows.length === 3 ? rows : null;
    }, 'three crawls', 90_000);
    const stats = sim.admin.stats();
    const share = (stats.byStatus['429'] ?? 0) / stats.total;
    expect(stats.maxInFlight[sim.accountSid]).toBeLessThanOrEqual(3);
    expect(share).toBeLessThan(0.1);
    for (const s of sim.serviceSids) await expectMirrorEqual(s);
  });
});

// CrawlQueue is resolved by class; a helper keeps the calls above short.
import { CrawlQueue } from '@app/queue';
function CrawlQueueOf(_m: RunningMirror) {
  return CrawlQueue;
}
