import { CrawlQueue } from '@app/queue';
import { CRAWL_LOCK_SPACE } from '@app/sync';
import { Client } from 'pg';
import { Harness, RunRow, startHarness, waitFor } from '../support/mirror-harness';

/**
 * Crawls through a misbehaving upstream (the simulator's faults, over real HTTP): every crawl must finish
 * with the mirror equal to the upstream, 429s must neither fail a job nor spend an attempt.
 */
describe('crawling through upstream faults', () => {
  let h: Harness;
  const USERS = 300; // 6 pages per service

  beforeAll(async () => {
    h = await startHarness('faults', { sim: { services: `2x${USERS}`, seed: 3 }, env: { CRAWL_MAX_RETRIES: '3', TWILIO_PAGE_SIZE: '50' } });
  });
  afterAll(async () => h?.close());

  async function expectMirrorEqual() {
    for (const serviceSid of h.sim.serviceSids) {
      const upstream = h.sim.admin.exportUsers(serviceSid);
      const rows = await h.db.dataSource.query(
        `SELECT sid, identity, friendly_name, attributes FROM users WHERE chat_service_sid = $1 AND deleted_at IS NULL ORDER BY sid`,
        [serviceSid],
      );
      expect(rows.map((r: any) => [r.sid, r.identity, r.friendly_name, r.attributes])).toEqual(
        upstream.map((u) => [u.sid, u.identity, u.friendly_name, JSON.parse(u.attributes!)]),
      );
    }
  }
  const sum = (runs: RunRow[], k: keyof RunRow) => runs.reduce((n, r) => n + Number(r[k]), 0);

  /** The run row finishes a moment before BullMQ records the job completed: wait for both jobs. */
  function completedJobsAttempts(): Promise<number[]> {
    return waitFor(async () => {
      const jobs = await h.mirror.app.get(CrawlQueue).queue.getJobs(['completed']);
      return jobs.length === 2 ? jobs.map((j) => j.attemptsMade) : null;
    }, 'two completed jobs');
  }

  it('429 without Retry-After: backs off, re-asks the same page, never spends an attempt', async () => {
    h.sim.admin.enqueueFaults({ kind: '429', count: 4, skip: 1, match: 'users-list' });
    const runs = await h.crawlAll();
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(sum(runs, 'throttled')).toBe(4);
    expect(sum(runs, 'pages')).toBe(12); // nothing skipped, nothing fetched twice into the mirror
    // BullMQ counts the attempt that completed; the four parked 429s counted none.
    expect(await completedJobsAttempts()).toEqual([1, 1]);
    await expectMirrorEqual();
  });

  it('429 with Retry-After waits at least that long', async () => {
    h.sim.admin.setBehavior({ retryAfter: 1 });
    h.sim.admin.enqueueFaults({ kind: '429', count: 1, skip: 2, match: 'users-list' });
    const t0 = Date.now();
    const runs = await h.crawlAll();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(sum(runs, 'throttled')).toBe(1);
    h.sim.admin.setBehavior({ retryAfter: 'none' });
  });

  it('a storm of 503s, truncated JSON, non-JSON bodies and resets are retried with backoff', async () => {
    // Mutate upstream first so the crawl has real work to get right through the faults.
    const [a, b] = h.sim.serviceSids;
    const victim = h.sim.admin.exportUsers(a)[10];
    h.sim.admin.updateUser(a, victim.sid, { friendlyName: 'changed under fire' });
    h.sim.admin.createUser(b, { identity: 'born under fire' });
    h.sim.admin.enqueueFaults([
      { kind: '503', count: 3, match: 'users-list' },
      { kind: 'truncate', count: 2, skip: 4, match: 'users-list' },
      { kind: 'non-json', count: 1, skip: 6, match: 'users-list' },
      { kind: 'reset', count: 1, skip: 8, match: 'users-list' },
    ]);
    // One crawl takes the whole storm (no page meets more than 3 faults in a row), then the other service's: with
    // both at once, which faults each meets would depend on how their requests interleave.
    const runs = [...(await h.crawl([a])), ...(await h.crawl([b]))];
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(sum(runs, 'retries')).toBe(7);
    expect(sum(runs, 'updated')).toBe(1);
    expect(sum(runs, 'created')).toBe(1);
    await expectMirrorEqual();
  });

  it('past CRAWL_MAX_RETRIES the run fails with its checkpoint kept, and the next run resumes there', async () => {
    const [a] = h.sim.serviceSids;
    // The third page of service a fails four times in a row (1 try + 3 retries): the run gives up.
    h.sim.admin.enqueueFaults({ kind: '503', count: 4, skip: 2, match: 'users-list', accountSid: h.sim.accountSid });
    const failedRound = await h.crawl([a]);
    const failed = failedRound.find((r) => r.status === 'failed')!;
    expect(failed).toBeDefined();
    expect(failed.error).toMatch(/gave up after 3 retries.*503/);
    const [{ checkpoint_url }] = await h.db.dataSource.query(`SELECT checkpoint_url FROM sync_runs WHERE id = $1`, [failed.id]);
    expect(checkpoint_url).toMatch(/PageToken=/); // kept, pointing past the pages already in

    const [next] = await h.crawl([a]);
    expect(next.status).toBe('succeeded');
    const [row] = await h.db.dataSource.query(`SELECT crawl_id::text, pages FROM sync_runs WHERE id = $1`, [next.id]);
    const [{ crawl_id: failedCrawl }] = await h.db.dataSource.query(`SELECT crawl_id::text FROM sync_runs WHERE id = $1`, [failed.id]);
    expect(row.crawl_id).toBe(failedCrawl); // same crawl: the seen set carries over
    expect(failed.pages + row.pages).toBe(6); // resumed at the checkpoint, not page one
    await expectMirrorEqual();
    // Nothing was deleted by the failed run nor by the resumed one: the seen set carried over.
    const [{ n }] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE deleted_at IS NOT NULL`);
    expect(n).toBe(0);
  });

  it('a checkpoint the upstream refuses (a page token it no longer honours): the run fails at once, and the next starts over', async () => {
    const [a] = h.sim.serviceSids;
    const q = (sql: string, params: unknown[] = []) => h.db.dataSource.query(sql, params);
    h.sim.admin.enqueueFaults({ kind: '503', count: 4, skip: 2, match: 'users-list', accountSid: h.sim.accountSid });
    const [failed] = await h.crawl([a]);
    expect(failed.status).toBe('failed');
    await q(`UPDATE sync_runs SET checkpoint_url = regexp_replace(checkpoint_url, 'PageToken=[^&]+', 'PageToken=PTexpired') WHERE id = $1`, [failed.id]);

    const [refused] = await h.crawl([a]);
    expect(refused).toMatchObject({ status: 'failed', pages: 0, retries: 0 });
    expect(refused.error).toMatch(/400/);
    const [gaveUp] = await q('SELECT checkpoint_url, crawl_id::text FROM sync_runs WHERE id = $1', [refused.id]);
    expect(gaveUp.checkpoint_url).toBeNull();
    expect((await q('SELECT count(*)::int AS n FROM sync_seen WHERE crawl_id = $1', [gaveUp.crawl_id]))[0].n).toBe(0);

    const [fresh] = await h.crawl([a]);
    expect(fresh).toMatchObject({ status: 'succeeded', pages: 6, deleted: 0 });
    const [{ crawl_id }] = await q('SELECT crawl_id::text FROM sync_runs WHERE id = $1', [fresh.id]);
    expect(crawl_id).not.toBe(gaveUp.crawl_id); // a new crawl, from page one
    expect((await q('SELECT count(*)::int AS n FROM sync_seen'))[0].n).toBe(0); // a finished crawl leaves no seen set
    await expectMirrorEqual();
  });

  it('a new crawl clears the seen sets that ended crawls of the service left behind', async () => {
    const [a] = h.sim.serviceSids;
    const q = (sql: string, params: unknown[] = []) => h.db.dataSource.query(sql, params);
    // As a crawl that failed in its sweep, or was cut off by a 404 on its service, leaves its seen set.
    const [{ crawl_id }] = await q('SELECT crawl_id::text FROM sync_runs WHERE service_sid = $1 ORDER BY id LIMIT 1', [a]);
    await q(`INSERT INTO sync_seen (crawl_id, sids) VALUES ($1, ARRAY['US' || repeat('0', 32)])`, [crawl_id]);
    const [run] = await h.crawl([a]);
    expect(run.status).toBe('succeeded');
    expect((await q('SELECT count(*)::int AS n FROM sync_seen'))[0].n).toBe(0);
  });

  it("a 404 without Twilio's code on a point fetch deletes nothing: the retried job sweeps again and asks again", async () => {
    const [a] = h.sim.serviceSids;
    const gone = h.sim.admin.exportUsers(a)[1];
    h.sim.admin.deleteUser(a, gone.sid);
    h.sim.admin.enqueueFaults({ kind: 'proxy-404', count: 1, match: 'users-fetch', accountSid: h.sim.accountSid });
    const before = h.sim.admin.stats();
    const runs = await h.crawl([a]);
    expect(runs.map((r) => [r.status, r.deleted])).toEqual([['succeeded', 1]]);
    const after = h.sim.admin.stats();
    // Asked twice: the proxy's 404 was not taken as a deletion, Twilio's 20404 on the next attempt was.
    expect({ fetches: after.byRoute['users-fetch'] - (before.byRoute['users-fetch'] ?? 0), notFound: after.byStatus['404'] - (before.byStatus['404'] ?? 0) }).toEqual({
      fetches: 2,
      notFound: 2,
    });
    const [svc] = await h.db.dataSource.query('SELECT last_run_status, removed_at FROM services WHERE sid = $1', [a]);
    expect(svc).toEqual({ last_run_status: 'succeeded', removed_at: null });
    const events = await h.db.dataSource.query(`SELECT type FROM user_events WHERE user_sid = $1 ORDER BY sequence`, [gone.sid]);
    expect(events.map((e: { type: string }) => e.type.split('.').pop())).toEqual(['created', 'deleted']);
  });

  it('paging that leads back to a page already read fails the run rather than going round forever; nothing is swept', async () => {
    const [a] = h.sim.serviceSids;
    const gone = h.sim.admin.exportUsers(a)[2];
    h.sim.admin.deleteUser(a, gone.sid);
    // The third page names the first as its next page (as the upstream writes that URL: the loop shows one page later).
    h.sim.admin.enqueueFaults({ kind: 'page-loop', count: 1, skip: 2, match: 'users-list', accountSid: h.sim.accountSid });
    const [looped] = await h.crawl([a]);
    expect({ status: looped.status, error: looped.error }).toEqual({ status: 'failed', error: expect.stringMatching(/paging loops: page \d+ leads back to .*, a page this crawl already read$/) });
    const [{ deleted_at }] = await h.db.dataSource.query('SELECT deleted_at FROM users WHERE sid = $1', [gone.sid]);
    expect(deleted_at).toBeNull();
    const [next] = await h.crawl([a]);
    expect(next).toMatchObject({ status: 'succeeded', deleted: 1 });
  });

  it('a record with a bad sid is rejected with its reason; the rest lands, and deletions still run without touching the user behind it', async () => {
    const [a] = h.sim.serviceSids;
    const gone = h.sim.admin.exportUsers(a)[0];
    h.sim.admin.deleteUser(a, gone.sid);
    h.sim.admin.enqueueFaults({ kind: 'bad-sid', count: 1, match: 'users-list', accountSid: h.sim.accountSid });
    const runs = await h.crawl([a]); // only a: the fault must land on the service that lost a user
    expect(runs.map((r) => r.status)).toEqual(['succeeded']);
    expect(sum(runs, 'rejected')).toBe(1);
    expect(await h.db.dataSource.query('SELECT user_sid, reason FROM sync_rejections WHERE run_id = $1', [runs[0].id])).toEqual([
      { user_sid: 'XX123', reason: 'sid is not a user sid (US + 32 hex)' },
    ]);
    // One rejected record no longer switches the sweep off: the deleted user goes, confirmed by Twilio's 20404,
    // and the user whose record was mangled is found by its point fetch (it exists upstream), not deleted.
    expect(sum(runs, 'deleted')).toBe(1);
    const [{ deleted_at }] = await h.db.dataSource.query(`SELECT deleted_at FROM users WHERE sid = $1`, [gone.sid]);
    expect(deleted_at).not.toBeNull();
    const live = await h.db.dataSource.query(`SELECT sid FROM users WHERE chat_service_sid = $1 AND deleted_at IS NULL ORDER BY sid`, [a]);
    expect(live.map((r: { sid: string }) => r.sid)).toEqual(h.sim.admin.exportUsers(a).map((u) => u.sid).sort());
  });

  it('a 404 on a service marks it removed and deletes nothing', async () => {
    const [, b] = h.sim.serviceSids;
    const [{ n: before }] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE chat_service_sid = $1 AND deleted_at IS NULL`, [b]);
    h.sim.admin.deleteService(b);
    const runs = await h.crawl([b]); // as when the service is named in TWILIO_SERVICE_SIDS
    expect(runs.find((r) => r.service_sid === b)?.status).toBe('removed');
    const [{ n: after }] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE chat_service_sid = $1 AND deleted_at IS NULL`, [b]);
    expect(after).toBe(before);
    const [svc] = await h.db.dataSource.query(`SELECT removed_at, last_run_status FROM services WHERE sid = $1`, [b]);
    expect(svc.last_run_status).toBe('removed');
    expect(svc.removed_at).not.toBeNull();
  });

  it('discovery marks a service that is no longer listed as removed, and crawls only listed ones', async () => {
    const [a, b] = h.sim.serviceSids;
    const runs = await h.crawlAll();
    expect(runs.map((r) => r.service_sid)).toEqual([a]);
    const [svc] = await h.db.dataSource.query(`SELECT removed_at FROM services WHERE sid = $1`, [b]);
    expect(svc.removed_at).not.toBeNull();
  });

  it('a service whose crawl lock another processor holds is not crawled twice: the job waits until it is free', async () => {
    const [a] = h.sim.serviceSids;
    // As a processor whose BullMQ lock lapsed while it kept crawling would hold it.
    const holder = new Client({ connectionString: h.config.databaseUrl });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [CRAWL_LOCK_SPACE, a]);
      const [{ max }] = await h.db.dataSource.query('SELECT COALESCE(max(id), 0)::text AS max FROM sync_runs');
      const crawled = h.crawl([a]);
      const queue = h.mirror.app.get(CrawlQueue).queue;
      await waitFor(async () => (await queue.getJobCounts('delayed')).delayed === 1, 'the job parked');
      expect(await h.db.dataSource.query('SELECT count(*)::int AS n FROM sync_runs WHERE id > $1', [max])).toEqual([{ n: 0 }]);
      await holder.query('SELECT pg_advisory_unlock($1, hashtext($2))', [CRAWL_LOCK_SPACE, a]);
      const runs = await crawled;
      expect(runs.map((r) => r.status)).toEqual(['succeeded']);
    } finally {
      await holder.end();
    }
  });
});
