import { AppConfig, loadConfig } from '@app/config';
import { CrawlQueue } from '@app/queue';
import { RunningSimulator, SimulatorOptions, startSimulator } from '@app/twilio-sim';
import { RunningMirror, startMirror } from '../../../apps/mirror/src/bootstrap';
import { RunRow, waitFor } from '../../support/mirror-harness';
import { parsePrometheusText, Scrape } from '../../support/prometheus-text';
import { createTestDatabase, TestDatabase } from '../../support/test-database';
import { REDIS_URL, testRedisPrefix } from '../../support/test-redis';

export const API_TOKEN = 'observability-api-token-1';
export const METRICS_TOKEN = 'observability-metrics-token-1';

export interface ObservedMirror {
  db: TestDatabase;
  sim: RunningSimulator;
  mirror: RunningMirror;
  config: AppConfig;
  /** The whole mirror (api, worker, scheduler) in this process: /metrics, /status, the API. */
  url: string;
  scrape(): Promise<Scrape>;
  /** Enqueues a crawl of the service and returns at once (the crawl runs in the worker). */
  startCrawl(serviceSid: string): Promise<string>;
  /** The run that started after `afterRunId` once it is finished. */
  finishedRun(serviceSid: string, afterRunId: string): Promise<RunRow>;
  maxRunId(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The mirror with every role in this process, against a database, Redis prefix and simulator of the test's own,
 * with METRICS_TOKEN set. `beforeStart` runs once the database exists, before the mirror starts.
 */
export async function startObservedMirror(
  label: string,
  opts: { sim: SimulatorOptions; env?: Record<string, string>; beforeStart?: (db: TestDatabase) => Promise<void> },
): Promise<ObservedMirror> {
  const db = await createTestDatabase(label);
  const redis = testRedisPrefix(label);
  await opts.beforeStart?.(db);
  const sim = await startSimulator({ port: 0, seed: 5, ...opts.sim });
  const config = loadConfig({
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: redis.prefix,
    EVENTS_STREAM: `${redis.prefix}:user-events`,
    TWILIO_ACCOUNT_SID: sim.accountSid,
    TWILIO_AUTH_TOKEN: sim.authToken,
    TWILIO_BASE_URL: sim.url,
    SYNC_ON_START: 'false',
    SYNC_CRON: '*/15 * * * *',
    ROLES: 'api,worker,scheduler',
    PORT: '0',
    API_TOKENS: API_TOKEN,
    METRICS_TOKEN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    THROTTLE_BASE_MS: '50',
    THROTTLE_CAP_MS: '200',
    ...opts.env,
  });
  const mirror = await startMirror(config);
  const url = mirror.url!;
  const maxRunId = async () => (await db.dataSource.query('SELECT COALESCE(max(id), 0)::text AS max FROM sync_runs'))[0].max as string;
  return {
    db,
    sim,
    mirror,
    config,
    url,
    maxRunId,
    async scrape() {
      const r = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
      return parsePrometheusText(await r.text());
    },
    async startCrawl(serviceSid) {
      // A job that finished its run but is not yet marked completed still holds the service's deduplication key.
      const queue = mirror.app.get(CrawlQueue);
      await waitFor(async () => Object.values(await queue.queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized')).every((n) => n === 0), 'an idle crawl queue');
      const before = await maxRunId();
      await queue.enqueue(sim.accountSid, serviceSid, 'manual');
      return before;
    },
    finishedRun(serviceSid, afterRunId) {
      return waitFor(async () => {
        const [row] = await db.dataSource.query(`SELECT * FROM sync_runs WHERE service_sid = $1 AND id > $2 AND status <> 'running' ORDER BY id LIMIT 1`, [serviceSid, afterRunId]);
        return row as RunRow | undefined;
      }, `a finished run of ${serviceSid}`);
    },
    async close() {
      await mirror.close();
      await sim.close();
      await db.drop();
      await redis.cleanup();
    },
  };
}
