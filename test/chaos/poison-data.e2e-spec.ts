import { Harness, RunRow, startHarness } from '../support/mirror-harness';

const MAX_RETRIES = 2;

/**
 * Poison upstream data costs one user, not a service: for each case the good users land, the bad one is rejected with
 * its reason (or the page is retried, then the run fails saying why), the next run completes, and deletions still
 * work. The simulator plants each case (its admin surface and one-shot faults), over real HTTP.
 */
describe('poison upstream data', () => {
  let h: Harness;
  let service: string;

  const live = async (): Promise<string[]> =>
    (await h.db.dataSource.query('SELECT sid FROM users WHERE chat_service_sid = $1 AND deleted_at IS NULL ORDER BY sid', [service])).map(
      (r: { sid: string }) => r.sid,
    );
  const upstream = (): string[] => h.sim.admin.exportUsers(service).map((u) => u.sid).sort();
  const rejections = async (run: RunRow) => h.db.dataSource.query('SELECT user_sid, reason FROM sync_rejections WHERE run_id = $1 ORDER BY user_sid', [run.id]);
  /** A user deleted upstream before the run: the run must still find the deletion. */
  const deleteOne = (...spare: string[]): string => {
    const victim = h.sim.admin.exportUsers(service).find((u, i) => i >= 3 && !spare.includes(u.sid))!.sid;
    h.sim.admin.deleteUser(service, victim);
    return victim;
  };
  const deletedAt = async (sid: string) => (await h.db.dataSource.query('SELECT deleted_at FROM users WHERE sid = $1', [sid]))[0].deleted_at;

  beforeAll(async () => {
    h = await startHarness('poison', {
      sim: { services: '1x120' },
      env: { CRAWL_MAX_RETRIES: String(MAX_RETRIES), CRAWL_MAX_PAGES: '40', TWILIO_PAGE_SIZE: '20' },
    });
    service = h.sim.serviceSids[0];
    const [first] = await h.crawl([service]);
    expect(first).toMatchObject({ status: 'succeeded', created: 120 });
  });
  afterAll(() => h?.close());

  it.each([
    ['a NUL in its attributes', '{"note":"a\\u0000b"}', 'attributes: contains a NUL character'],
    ['a lone surrogate in its attributes', '{"note":"\\ud800"}', 'attributes: contains a lone UTF-16 surrogate'],
    ['a number no numeric holds', '{"n":1e999999}', 'Postgres refused it: value overflows numeric format'],
    ['attributes over 16 KiB', JSON.stringify({ blob: 'x'.repeat(17_000) }), "attributes are 17011 bytes, over Twilio's limit of 16384"],
    ['attributes nested 600 deep', '['.repeat(600) + ']'.repeat(600), 'attributes are nested deeper than 512 levels'],
  ])('a user with %s is rejected with its reason; the others land and deletions still run', async (_what, attributes, reason) => {
    const bad = h.sim.admin.createUser(service, { identity: `bad-${Date.now()}`, attributes });
    const fresh = h.sim.admin.createUser(service, { identity: `good-${Date.now()}`, attributes: { ok: true } });
    const victim = deleteOne(bad.sid, fresh.sid);
    const [run] = await h.crawl([service]);
    expect(run).toMatchObject({ status: 'succeeded', rejected: 1, created: 1, deleted: 1 });
    expect(await rejections(run)).toEqual([{ user_sid: bad.sid, reason }]);
    expect(await deletedAt(victim)).not.toBeNull();
    // Every other user upstream is live in the mirror; the rejected one is not stored, and not deleted either.
    expect(await live()).toEqual(upstream().filter((s) => s !== bad.sid));
    expect(await live()).toContain(fresh.sid);
    // The next run completes the same way: the bad record costs that one user, run after run.
    const [again] = await h.crawl([service]);
    expect(again).toMatchObject({ status: 'succeeded', rejected: 1, deleted: 0 });
    h.sim.admin.deleteUser(service, bad.sid); // out of the way of the next case
  });

  it.each([
    ['a control character in next_page_url', { kind: 'control-char-next-url' as const }, /meta\.next_page_url contains a control character/],
    ['a page with more records than it was asked for', { kind: 'oversize-page' as const }, /the page holds 23 records, more than the 20 its PageSize asked for/],
  ])('%s: the page is retried, then the run fails saying why; the next run completes and deletes', async (_what, fault, why) => {
    // Deleted before the failing run: the run that resumes its crawl then finds the deletion.
    const victim = deleteOne();
    h.sim.admin.enqueueFaults({ ...fault, count: MAX_RETRIES + 1, skip: 1, accountSid: h.sim.accountSid });
    const [failed] = await h.crawl([service]);
    expect(failed).toMatchObject({ status: 'failed', retries: MAX_RETRIES, deleted: 0 });
    expect(failed.error).toMatch(why);
    expect(await deletedAt(victim)).toBeNull(); // a failed run deletes nothing
    const [next] = await h.crawl([service]);
    expect(next).toMatchObject({ status: 'succeeded', deleted: 1 });
    expect(await deletedAt(victim)).not.toBeNull();
    expect(await live()).toEqual(upstream());
  });

  it('an upstream that pages for ever fails the run past CRAWL_MAX_PAGES; the next run completes', async () => {
    h.sim.admin.enqueueFaults({ kind: 'endless-pages', count: 100, accountSid: h.sim.accountSid });
    const [failed] = await h.crawl([service]);
    expect(failed).toMatchObject({ status: 'failed', deleted: 0 });
    expect(failed.error).toMatch(/^CrawlTooLongError: the crawl read 40 pages \(CRAWL_MAX_PAGES\)/);
    h.sim.admin.clearFaults();
    const victim = deleteOne();
    const runs = await crawlUntilSucceeded();
    expect(runs.at(-1)).toMatchObject({ status: 'succeeded' });
    expect(await deletedAt(victim)).not.toBeNull();
    expect(await live()).toEqual(upstream());
  });

  it('a checkpoint that fails 3 runs in a row is set aside: the next run starts from page one and says so', async () => {
    // Page 3 answers 500 on every try of three runs (each tries it 1 + MAX_RETRIES times).
    h.sim.admin.enqueueFaults({ kind: '500', count: 3 * (MAX_RETRIES + 1), skip: 2, match: 'users-list', accountSid: h.sim.accountSid });
    const failed: RunRow[] = [];
    for (let i = 0; i < 3; i++) failed.push(...(await h.crawl([service])));
    expect(failed.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
    const checkpoints = await h.db.dataSource.query('SELECT checkpoint_url FROM sync_runs WHERE id = ANY($1)', [failed.map((r) => r.id)]);
    expect(new Set(checkpoints.map((r: { checkpoint_url: string }) => r.checkpoint_url)).size).toBe(1);
    const victim = deleteOne();
    const [fresh] = await h.crawl([service]);
    const [{ note, crawl_id }] = await h.db.dataSource.query('SELECT note, crawl_id::text FROM sync_runs WHERE id = $1', [fresh.id]);
    expect(fresh).toMatchObject({ status: 'succeeded', deleted: 1 });
    expect(note).toMatch(/^the checkpoint .* failed 3 runs in a row \(last: .*\): set aside, this run starts from the first page$/);
    expect(crawl_id).toBe(fresh.id); // a new crawl, not the failed one resumed
    expect(await deletedAt(victim)).not.toBeNull();
  });

  /** After a failure the next runs resume its checkpoint; crawl until one succeeds (a few at most). */
  async function crawlUntilSucceeded(): Promise<RunRow[]> {
    const runs: RunRow[] = [];
    for (let i = 0; i < 5 && runs.at(-1)?.status !== 'succeeded'; i++) runs.push(...(await h.crawl([service])));
    return runs;
  }
});
