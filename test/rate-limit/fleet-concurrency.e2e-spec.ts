import { CrawlQueue } from '@app/queue';
import { Harness, RunRow, startHarness, waitFor } from '../support/mirror-harness';

/**
 * The account's budget, not a small fixed worker count, decides how many requests are in flight; crawls share the
 * worker's slots and the account's allowance fairly; one account's 429s leave the others alone. Against the simulator
 * with real latency and a per-account in-flight limit, over real HTTP, with the service's defaults unless said.
 */
describe('a fleet of crawls', () => {
  const runsOf = async (h: Harness, since: string): Promise<RunRow[]> =>
    h.db.dataSource.query('SELECT * FROM sync_runs WHERE id > $1 ORDER BY id', [since]);
  const maxRun = async (h: Harness) => (await h.db.dataSource.query('SELECT COALESCE(max(id), 0)::text AS m FROM sync_runs'))[0].m as string;

  describe('with the defaults', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness('fleet', { sim: { services: '30x400', latencyMs: 100, maxInFlightPerAccount: 24 } });
    });
    afterAll(() => h?.close());

    it('fills the account allowance: 24 requests in flight from 30 crawls, few 429s', async () => {
      h.sim.admin.resetStats();
      const runs = await h.crawlAll();
      expect(runs.map((r) => r.status)).toEqual(Array(30).fill('succeeded'));
      const stats = h.sim.admin.stats();
      expect(stats.maxInFlight[h.sim.accountSid]).toBe(24); // the allowance, not a worker count or a socket pool
      // The slow start's one overshoot (the requests sent between the limit passing 24 and the first 429 coming back),
      // then the budget holds under the refused level: a handful, whatever the crawl's length.
      expect(runs.reduce((n, r) => n + r.throttled, 0)).toBeLessThanOrEqual(10);
    });
  });

  describe('with more services than worker slots', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness('slices', {
        sim: { services: '4x600', latencyMs: 150 },
        env: { WORKER_CONCURRENCY: '2', CRAWL_SLICE_MS: '1000' },
      });
    });
    afterAll(() => h?.close());

    it('every service progresses: a crawl past its slice hands its job back to a waiting one, and resumes later', async () => {
      const since = await maxRun(h);
      const runs = await h.crawl([...h.sim.serviceSids]); // 12 pages at 150 ms each: longer than a slice
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
      const all = await runsOf(h, since);
      expect(all).toHaveLength(4); // one run per service, resumed across its jobs
      // No service waited for the others to finish: each had started before the first one finished.
      const firstFinish = Math.min(...all.map((r: any) => r.finished_at.getTime()));
      expect(all.every((r: any) => r.started_at.getTime() < firstFinish)).toBe(true);
      expect(all.every((r) => r.pages === 12)).toBe(true);
    });
  });

  describe('two accounts, one answered 429 on everything', () => {
    const OTHER = { accountSid: 'AC' + '7a'.repeat(16), authToken: 'other-account-token-5c1e9b' };
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness('accounts-429', {
        sim: { services: '6x150', latencyMs: 50, maxInFlightPerAccount: 8 },
        env: { TWILIO_ACCOUNTS: `${OTHER.accountSid}:${OTHER.authToken}` },
      });
    });
    afterAll(() => h?.close());

    it("the healthy account's crawls run as if the other did not exist; the other's wait", async () => {
      const other = h.sim.admin.createAccount(OTHER);
      const otherServices = [1, 2, 3].map(() => h.sim.admin.createService({ accountSid: other.accountSid }).sid!);
      for (const s of otherServices) h.sim.admin.bulkCreateUsers(s, { count: 150 });
      h.sim.admin.enqueueFaults({ kind: '429', count: 1_000_000, accountSid: other.accountSid });
      // The second account's crawls are queued first, so they are in the way if anything makes them so.
      const queue = h.mirror.app.get(CrawlQueue);
      const since = await maxRun(h);
      for (const s of otherServices) await queue.enqueue(other.accountSid, s, 'manual');
      for (const s of h.sim.serviceSids) await queue.enqueue(h.sim.accountSid, s, 'manual');
      const healthy = await waitFor(async () => {
        const rows = (await runsOf(h, since)).filter((r) => h.sim.serviceSids.includes(r.service_sid) && r.status !== 'running');
        return rows.length === 6 ? rows : null;
      }, "the healthy account's crawls");
      expect(healthy.map((r) => [r.status, r.throttled])).toEqual(Array(6).fill(['succeeded', 0]));
      const hurt = await waitFor(async () => {
        const rows = (await runsOf(h, since)).filter((r) => otherServices.includes(r.service_sid));
        return rows.length === 3 && rows.every((r) => r.throttled > 0) ? rows : null;
      }, "the throttled account's crawls to be refused");
      expect(hurt.every((r) => r.status === 'running')).toBe(true); // parked, waiting: not failed, nothing lost
    });
  });
});
