import { AppConfig, loadConfig } from '@app/config';
import { CrawlQueue } from '@app/queue';
import { SyncScheduler } from '@app/scheduler';
import { startSimulator, RunningSimulator, SimulatorOptions } from '@app/twilio-sim';
import { RunningMirror, startMirror } from '../../apps/mirror/src/bootstrap';
import { createTestDatabase, TestDatabase } from './test-database';
import { REDIS_URL, testRedisPrefix } from './test-redis';

export const TEST_API_TOKEN = 'test-read-token-0001';

export interface Harness {
  db: TestDatabase;
  sim: RunningSimulator;
  mirror: RunningMirror;
  config: AppConfig;
  prefix: string;
  /** Enqueues a crawl of every service and waits until each has a finished run newer than before. */
  crawlAll(): Promise<RunRow[]>;
  /** The same for the given services of the simulator's default account, bypassing discovery. */
  crawl(serviceSids: string[]): Promise<RunRow[]>;
  close(): Promise<void>;
}

export interface RunRow {
  id: string;
  service_sid: string;
  status: string;
  pages: number;
  users_seen: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  requests: number;
  throttled: number;
  retries: number;
  rejected: number;
  error: string | null;
}

/** The whole service in this process against its own database, Redis prefix and simulator (real HTTP). */
export async function startHarness(
  label: string,
  opts: { sim?: SimulatorOptions; env?: Record<string, string>; roles?: string } = {},
): Promise<Harness> {
  const db = await createTestDatabase(label);
  const redis = testRedisPrefix(label);
  const sim = await startSimulator({ port: 0, seed: 7, ...opts.sim });
  const config = loadConfig({
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: redis.prefix,
    EVENTS_STREAM: `${redis.prefix}:user-events`,
    TWILIO_ACCOUNT_SID: sim.accountSid,
    TWILIO_AUTH_TOKEN: sim.authToken,
    TWILIO_BASE_URL: sim.url,
    SYNC_ON_START: 'false',
    SYNC_CRON: '0 0 1 1 *',
    ROLES: opts.roles ?? 'worker,scheduler',
    PORT: '0',
    API_TOKENS: TEST_API_TOKEN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    CRAWL_RETRY_BASE_MS: '20',
    CRAWL_RETRY_CAP_MS: '200',
    THROTTLE_BASE_MS: '50',
    THROTTLE_CAP_MS: '500',
    ...opts.env,
  });
  const mirror = await startMirror(config);

  const harness: Harness = {
    db,
    sim,
    mirror,
    config,
    prefix: redis.prefix,
    async crawlAll() {
      await queueIdle();
      const [{ max }] = await db.dataSource.query('SELECT COALESCE(max(id), 0)::text AS max FROM sync_runs');
      const { enqueued, alreadyQueued } = await mirror.app.get(SyncScheduler).tick('manual');
      return waitForRuns(max, [...enqueued, ...alreadyQueued]);
    },
    async crawl(serviceSids) {
      await queueIdle();
      const [{ max }] = await db.dataSource.query('SELECT COALESCE(max(id), 0)::text AS max FROM sync_runs');
      for (const s of serviceSids) await mirror.app.get(CrawlQueue).enqueue(sim.accountSid, s, 'manual');
      return waitForRuns(max, serviceSids);
    },
    async close() {
      await mirror.close();
      await sim.close();
      await db.drop();
      await redis.cleanup();
    },
  };
  /**
   * A job that finished its run but is not yet marked completed still holds its deduplication key, and
   * would swallow a new enqueue: start a crawl only once the queue is idle.
   */
  async function queueIdle(): Promise<void> {
    const queue = mirror.app.get(CrawlQueue).queue;
    await waitFor(async () => {
      const c = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
      return Object.values(c).every((n) => n === 0);
    }, 'an idle crawl queue');
  }
  function waitForRuns(max: string, services: string[]): Promise<RunRow[]> {
      return waitFor(async () => {
        const rows: RunRow[] = await db.dataSource.query(
          `SELECT * FROM sync_runs WHERE id > $1 AND status <> 'running' ORDER BY id`,
          [max],
        );
        const done = new Set(rows.map((r) => r.service_sid));
        return services.every((s) => done.has(s)) ? rows : null;
      }, 'every service to finish a crawl');
  }
  return harness;
}

export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
