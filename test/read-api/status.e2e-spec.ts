import { CrawlQueue } from '@app/queue';
import { ApiHarness, startApi } from './support/api-harness';
import { ACCOUNT, insertService, sid } from './support/seed';

const A = sid('IS', 0xa);
const B = sid('IS', 0xb);
const C = sid('IS', 0xc);
const D = sid('IS', 0xd);
const AC2 = 'AC' + 'b'.repeat(32);

/** Sync status, sync runs and the on-demand sync trigger. */
describe('read API: services, sync runs and sync now', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi('status');
    const ds = api.db.dataSource;
    await insertService(ds, A, { friendlyName: 'Alpha' });
    await insertService(ds, B, { friendlyName: 'Beta', accountSid: AC2 });
    await insertService(ds, C, { friendlyName: 'Gamma', enabled: false });
    const run = (id: number, svc: string, status: string, extra = '') =>
      ds.query(
        `INSERT INTO sync_runs (id, crawl_id, account_sid, service_sid, status, trigger, started_at, finished_at, pages, users_seen, created, error)
         VALUES ($1, $1, $2, $3, $4, 'schedule', $5, ${status === 'running' ? 'NULL' : "$5::timestamptz + interval '1 minute'"}, 3, 120, 7, $6)`,
        [id, svc === B ? AC2 : ACCOUNT, svc, status, `2025-01-0${id}T00:00:00Z`, extra || null],
      );
    await run(1, A, 'failed', 'TwilioServerError 503/20503: unavailable');
    await run(2, A, 'succeeded');
    await run(3, B, 'removed', 'TwilioNotFoundError 404/20404: gone');
    await run(4, D, 'running');
    await run(5, A, 'running');
    await ds.query(`SELECT setval('sync_runs_id_seq', 5)`);
    await ds.query(`UPDATE services SET last_run_id = 2, last_run_status = 'succeeded', last_success_at = '2025-01-02T00:01:00Z', user_count = 7 WHERE sid = $1`, [A]);
    await ds.query(`UPDATE services SET last_run_id = 3, last_run_status = 'removed', removed_at = '2025-01-03T00:01:00Z' WHERE sid = $1`, [B]);
    await ds.query(`INSERT INTO accounts (sid, status, last_error, updated_at) VALUES ($1, 'ok', NULL, now()), ($2, 'unhealthy', 'TwilioAuthError 401/20003: Authenticate', now())`, [ACCOUNT, AC2]);
  });
  afterAll(() => api?.close());

  it('lists every service with its sync status, a first crawl in progress included', async () => {
    const r = await api.get('/v1/services');
    expect(r.status).toBe(200);
    expect(r.body.services.map((s: any) => s.sid)).toEqual([A, B, C, D]);
    const [a, b, c, d] = r.body.services;
    expect(a).toMatchObject({
      friendly_name: 'Alpha',
      enabled: true,
      removed_at: null,
      user_count: 7,
      last_success_at: '2025-01-02T00:01:00.000Z',
      last_run: { id: '2', status: 'succeeded', pages: 3, users_seen: 120, created: 7, error: null, finished_at: '2025-01-02T00:01:00.000Z' },
      current_run: { id: '5', status: 'running', finished_at: null },
      account: { status: 'ok', last_error: null },
    });
    expect(b).toMatchObject({
      removed_at: '2025-01-03T00:01:00.000Z',
      last_run: { id: '3', status: 'removed', error: expect.stringMatching(/404/) },
      current_run: null,
      account: { status: 'unhealthy', last_error: expect.stringMatching(/401/) },
    });
    expect(c).toMatchObject({ enabled: false, last_run: null, account: { status: 'ok' } });
    expect(d).toMatchObject({ friendly_name: null, current_run: { id: '4' }, last_run: null });
  });

  it('pages services and gets one', async () => {
    const first = await api.get('/v1/services?limit=2');
    expect(first.body.services).toHaveLength(2);
    const rest = await api.get(`/v1/services?limit=2&cursor=${first.body.next_cursor}`);
    expect(rest.body.services.map((s: any) => s.sid)).toEqual([C, D]);
    expect(rest.body.next_cursor).toBeNull();
    expect((await api.get(`/v1/services/${A}`)).body.current_run.id).toBe('5');
    expect((await api.get(`/v1/services/${sid('IS', 0xf)}`)).status).toBe(404);
  });

  it('lists sync runs latest first, for all services and per service, and gets one', async () => {
    const all = await api.get('/v1/sync-runs');
    expect(all.body.sync_runs.map((r: any) => r.id)).toEqual(['5', '4', '3', '2', '1']);
    const forA = await api.get(`/v1/services/${A}/sync-runs`);
    expect(forA.body.sync_runs.map((r: any) => r.id)).toEqual(['5', '2', '1']);
    const paged = await api.get(`/v1/services/${A}/sync-runs?limit=2`);
    expect(paged.body.sync_runs.map((r: any) => r.id)).toEqual(['5', '2']);
    const next = await api.get(`/v1/services/${A}/sync-runs?limit=2&cursor=${paged.body.next_cursor}`);
    expect(next.body).toEqual({ sync_runs: [expect.objectContaining({ id: '1', status: 'failed' })], next_cursor: null });
    // A cursor of one service's runs is refused on another's.
    expect((await api.get(`/v1/services/${B}/sync-runs?cursor=${paged.body.next_cursor}`)).status).toBe(400);
    const one = await api.get('/v1/sync-runs/3');
    expect(one.body).toMatchObject({ id: '3', crawl_id: '3', service_sid: B, account_sid: AC2, status: 'removed', trigger: 'schedule' });
    expect((await api.get('/v1/sync-runs/99')).status).toBe(404);
    expect((await api.get('/v1/sync-runs/abc')).body.message).toMatch(/not a sync run id/);
    expect((await api.get('/v1/sync-runs/99999999999999999999999')).status).toBe(400);
    expect((await api.get(`/v1/services/${sid('IS', 0xf)}/sync-runs`)).status).toBe(404);
    expect((await api.get(`/v1/services/${C}/sync-runs`)).body).toEqual({ sync_runs: [], next_cursor: null });
  });

  it('enqueues a crawl now: 202 with the job and the current and last runs, deduplicated per service', async () => {
    const r = await api.post(`/v1/services/${A}/sync`);
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ job: { id: expect.any(String), added: true }, current_run: { id: '5' }, last_run: { id: '2' } });
    const job = await api.mirror.app.get(CrawlQueue).job(r.body.job.id);
    expect(job?.data).toMatchObject({ accountSid: ACCOUNT, serviceSid: A, trigger: 'manual' });
    const again = await api.post(`/v1/services/${A}/sync`);
    expect(again.body.job).toEqual({ id: r.body.job.id, added: false });
    // A service known only from its first, running crawl can be triggered too.
    expect((await api.post(`/v1/services/${D}/sync`)).status).toBe(202);
  });

  it('refuses to sync an unknown or disabled service', async () => {
    const unknown = await api.post(`/v1/services/${sid('IS', 0xf)}/sync`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/not in the mirror/);
    const disabled = await api.post(`/v1/services/${C}/sync`);
    expect(disabled.status).toBe(409);
    expect(disabled.body.message).toMatch(/disabled/);
    expect((await api.post('/v1/services/nope/sync')).status).toBe(400);
  });
});
