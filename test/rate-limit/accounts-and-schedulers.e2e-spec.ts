import { loadConfig } from '@app/config';
import { CrawlQueue } from '@app/queue';
import { SyncScheduler } from '@app/scheduler';
import { startSimulator, RunningSimulator } from '@app/twilio-sim';
import { RunningMirror, startMirror } from '../../apps/mirror/src/bootstrap';
import { waitFor } from '../support/mirror-harness';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { REDIS_URL, testRedisPrefix } from '../support/test-redis';

describe('accounts and schedulers', () => {
  let db: TestDatabase;
  let sim: RunningSimulator;
  const redis = testRedisPrefix('accounts');
  const mirrors: RunningMirror[] = [];
  let second: { accountSid: string; authToken: string };
  let secondService: string;

  const env = (extra: Record<string, string>) =>
    loadConfig({
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
      LOG_LEVEL: 'silent',
      ...extra,
    });

  beforeAll(async () => {
    db = await createTestDatabase('accounts');
    sim = await startSimulator({ port: 0, seed: 21, services: '2x120' });
    second = sim.admin.createAccount({});
    secondService = sim.admin.createService({ accountSid: second.accountSid }).sid!;
    sim.admin.bulkCreateUsers(secondService, { count: 80 });
  });
  afterAll(async () => {
    for (const m of mirrors) await m.close();
    await sim.close();
    await db.drop();
    await redis.cleanup();
  });

  it('a 401 on one of two accounts marks that account unhealthy and the other goes on', async () => {
    const mirror = await startMirror(
      env({
        ROLES: 'worker,scheduler',
        // The second account's token is wrong: its crawl gets 401.
        TWILIO_ACCOUNTS: `${second.accountSid}:wrong-token-${'x'.repeat(8)}`,
        TWILIO_SERVICE_SIDS: [...sim.serviceSids, `${second.accountSid}/${secondService}`].join(','),
      }),
    );
    mirrors.push(mirror);
    await mirror.app.get(SyncScheduler).tick('manual');
    const runs = await waitFor(async () => {
      const rows = await db.dataSource.query(`SELECT service_sid, account_sid, status, error FROM sync_runs WHERE status <> 'running'`);
      return rows.length === 3 ? rows : null;
    }, 'three finished runs');
    const bad = runs.find((r: any) => r.account_sid === second.accountSid);
    expect(bad.status).toBe('failed');
    expect(bad.error).toMatch(/TwilioAuthError 401\/20003/);
    expect(bad.error).not.toContain('wrong-token');
    expect(runs.filter((r: any) => r.account_sid === sim.accountSid).map((r: any) => r.status)).toEqual(['succeeded', 'succeeded']);
    const accounts = await db.dataSource.query(`SELECT sid, status, last_error FROM accounts ORDER BY sid`);
    expect(accounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sid: second.accountSid, status: 'unhealthy' }),
        expect.objectContaining({ sid: sim.accountSid, status: 'ok' }),
      ]),
    );
    // 401 is not retried: one request for that service, not a hammering.
    const failed = await mirror.app.get(CrawlQueue).queue.getJobs(['failed']);
    expect(failed.map((j) => [j.data.serviceSid, j.attemptsMade])).toEqual([[secondService, 1]]);
    expect(sim.admin.stats().byStatus['401']).toBe(1);
    await mirror.close();
    mirrors.pop();
  });

  it('two schedulers ticking at once never crawl one service twice at once', async () => {
    const scheduler1 = await startMirror(env({ ROLES: 'scheduler' }));
    const scheduler2 = await startMirror(env({ ROLES: 'scheduler' }));
    mirrors.push(scheduler1, scheduler2);
    const queue = scheduler1.app.get(CrawlQueue).queue;
    await queue.obliterate({ force: true });
    // No worker runs yet: every tick lands in the queue, where duplicates would show.
    const ticks = await Promise.all(
      [scheduler1, scheduler2, scheduler1, scheduler2].map((m) => m.app.get(SyncScheduler).tick('schedule')),
    );
    expect(ticks.flatMap((t) => t.enqueued).sort()).toEqual([...sim.serviceSids].sort());
    const waiting = await queue.getJobs(['waiting', 'delayed', 'active']);
    expect(waiting.map((j) => j.data.serviceSid).sort()).toEqual([...sim.serviceSids].sort());

    // A worker drains them; while it runs, further ticks still add nothing.
    const before = (await db.dataSource.query(`SELECT count(*)::int AS n FROM sync_runs`))[0].n;
    const worker = await startMirror(env({ ROLES: 'worker' }));
    mirrors.push(worker);
    await scheduler2.app.get(SyncScheduler).tick('schedule');
    await waitFor(async () => {
      const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM sync_runs WHERE status = 'succeeded' AND id > 3`);
      return n >= 2 ? n : null;
    }, 'the queued crawls');
    await new Promise((r) => setTimeout(r, 300));
    const runs = await db.dataSource.query(`SELECT service_sid, started_at, finished_at FROM sync_runs WHERE id > 3 ORDER BY id`);
    // At most one run per service overlapped in time, and at most two runs per service in all (one per dedup window).
    for (const s of sim.serviceSids) {
      const mine = runs.filter((r: any) => r.service_sid === s);
      for (let i = 1; i < mine.length; i++) expect(mine[i].started_at.getTime()).toBeGreaterThanOrEqual(mine[i - 1].finished_at.getTime());
    }
    expect(runs.length - before).toBeLessThanOrEqual(2 * sim.serviceSids.length);
  });
});
