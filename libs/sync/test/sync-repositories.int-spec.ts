import { SyncModule } from '@app/sync';
import { DataSource } from 'typeorm';
import { IntModule, startIntModule } from '../../../test/support/int-module';
import { SweepRepository } from '../src/sweep.repository';
import { SyncRunsRepository } from '../src/sync-runs.repository';

const AC = 'AC' + 'e'.repeat(32);
const IS = 'IS' + 'f'.repeat(32);
const sid = (n: number) => 'US' + n.toString(16).padStart(32, '0');

/** The crawl's repositories against a real Postgres: how runs resume, and what the sweep is handed. */
describe('sync repositories', () => {
  let t: IntModule;
  let runs: SyncRunsRepository;
  let sweep: SweepRepository;
  let ds: DataSource;

  beforeAll(async () => {
    t = await startIntModule('sync-repos', [SyncModule]);
    runs = t.module.get(SyncRunsRepository);
    sweep = t.module.get(SweepRepository);
    ds = t.db.dataSource;
  });
  afterAll(() => t.close());

  it('a run that is still running is resumed; a finished one is not', async () => {
    const first = await runs.startOrResume(AC, IS, 'manual', 'https://first');
    expect(first).toMatchObject({ resumed: false, run: { status: 'running', checkpointUrl: 'https://first', crawlId: first.run.id } });
    const again = await runs.startOrResume(AC, IS, 'schedule', 'https://first');
    expect(again).toMatchObject({ resumed: true, run: { id: first.run.id } });
    await runs.finish(first.run.id, 'succeeded', null, { endCrawl: first.run.crawlId });
    const next = await runs.startOrResume(AC, IS, 'schedule', 'https://first');
    expect(next.run.id).not.toBe(first.run.id);
    expect(next.run.crawlId).toBe(next.run.id);
    await runs.finish(next.run.id, 'succeeded', null, { endCrawl: next.run.crawlId });
  });

  it("a failed run's checkpoint and seen set carry over to the next run of its crawl; a dropped checkpoint does not", async () => {
    const a = await runs.startOrResume(AC, IS, 'manual', 'https://first');
    await ds.query(`UPDATE sync_runs SET checkpoint_url = 'https://page-7' WHERE id = $1`, [a.run.id]);
    await ds.query('INSERT INTO sync_seen (crawl_id, sids) VALUES ($1, $2)', [a.run.crawlId, [sid(1)]]);
    await runs.finish(a.run.id, 'failed', 'TwilioServerError 503: boom');
    const b = await runs.startOrResume(AC, IS, 'schedule', 'https://first');
    expect(b).toMatchObject({ resumed: true, run: { crawlId: a.run.crawlId, checkpointUrl: 'https://page-7' } });
    expect(await ds.query('SELECT count(*)::int AS n FROM sync_seen WHERE crawl_id = $1', [a.run.crawlId])).toEqual([{ n: 1 }]);

    await runs.finish(b.run.id, 'failed', 'TwilioRequestError 400: token', { endCrawl: b.run.crawlId, dropCheckpoint: true });
    expect(await ds.query('SELECT count(*)::int AS n FROM sync_seen')).toEqual([{ n: 0 }]);
    const c = await runs.startOrResume(AC, IS, 'schedule', 'https://first');
    expect(c).toMatchObject({ resumed: false, run: { crawlId: c.run.id, checkpointUrl: 'https://first' } });
    await runs.finish(c.run.id, 'succeeded', null, { endCrawl: c.run.crawlId });
  });

  it("measures a crawl against the pages of the service's last successful run, not a failed one", async () => {
    const other = 'IS' + '9'.repeat(32);
    expect(await runs.lastSucceededPages(other)).toBeNull();
    const ok = await runs.startOrResume(AC, other, 'manual', 'https://first');
    await ds.query('UPDATE sync_runs SET pages = 12 WHERE id = $1', [ok.run.id]);
    await runs.finish(ok.run.id, 'succeeded', null, { endCrawl: ok.run.crawlId });
    const failed = await runs.startOrResume(AC, other, 'manual', 'https://first');
    await ds.query('UPDATE sync_runs SET pages = 3 WHERE id = $1', [failed.run.id]);
    await runs.finish(failed.run.id, 'failed', 'boom', { endCrawl: failed.run.crawlId, dropCheckpoint: true });
    expect(await runs.lastSucceededPages(other)).toBe(12);
    expect(await runs.lastSucceededPages(IS)).toBe(0); // its own: the earlier tests' runs, of no pages
  });

  it('counts requests that did not produce a page', async () => {
    const r = await runs.startOrResume(AC, IS, 'manual', 'https://first');
    await runs.recordAttempts(r.run.id, 3, 1, 2);
    await runs.recordAttempts(r.run.id, 0, 0, 0);
    expect(await ds.query('SELECT requests, throttled, retries FROM sync_runs WHERE id = $1', [r.run.id])).toEqual([{ requests: 3, throttled: 1, retries: 2 }]);
    await runs.finish(r.run.id, 'succeeded', null, { endCrawl: r.run.crawlId });
  });

  it("hands the sweep the service's live users its crawl did not see, in sid order, a batch at a time", async () => {
    const other = 'IS' + '9'.repeat(32);
    for (const [n, service, deleted] of [
      [1, IS, false],
      [2, IS, false],
      [3, IS, true],
      [4, IS, false],
      [5, other, false],
      [6, IS, false],
    ] as const) {
      await ds.query(
        `INSERT INTO users (sid, chat_service_sid, source_hash, deleted_at) VALUES ($1, $2, 'h', CASE WHEN $3 THEN now() END)`,
        [sid(n), service, deleted],
      );
    }
    await ds.query('INSERT INTO sync_seen (crawl_id, sids) VALUES (77, $1), (77, $2), (78, $3)', [[sid(2)], [sid(6)], [sid(1)]]);
    expect(await sweep.unseen(IS, '77', '', 10)).toEqual([sid(1), sid(4)]);
    expect(await sweep.unseen(IS, '77', '', 1)).toEqual([sid(1)]);
    expect(await sweep.unseen(IS, '77', sid(1), 10)).toEqual([sid(4)]);
    expect(await sweep.countLive(IS)).toBe(4);
  });
});
