import { DataSource } from 'typeorm';
import { IntModule, startIntModule } from '../../../test/support/int-module';
import { AccountsModule } from '../src/accounts.module';
import { ServicesRepository } from '../src/services.repository';

const AC = 'AC' + '3'.repeat(32);
const IS = (n: number) => 'IS' + String(n).repeat(32);

/** What the mirror keeps of services and accounts, against a real Postgres. */
describe('ServicesRepository', () => {
  let t: IntModule;
  let services: ServicesRepository;
  let ds: DataSource;
  const row = async (sid: string) => (await ds.query('SELECT * FROM services WHERE sid = $1', [sid]))[0];

  beforeAll(async () => {
    t = await startIntModule('services-repo', [AccountsModule]);
    services = t.module.get(ServicesRepository);
    ds = t.db.dataSource;
  });
  afterAll(() => t.close());

  it('records discovered services, marks the unlisted ones removed (never deleted), and brings them back when listed', async () => {
    await services.upsertDiscovered(AC, [
      { sid: IS(1), friendlyName: 'one' },
      { sid: IS(2), friendlyName: null },
    ]);
    await services.markUnlisted(AC, [IS(1)]);
    expect(await row(IS(2))).toMatchObject({ removed_at: expect.any(Date) });
    await services.upsertDiscovered(AC, [{ sid: IS(2), friendlyName: 'two' }]);
    expect(await row(IS(2))).toMatchObject({ removed_at: null, friendly_name: 'two' });
    await services.upsertDiscovered(AC, [{ sid: IS(1), friendlyName: null }]);
    expect((await row(IS(1))).friendly_name).toBe('one'); // a null name does not erase a known one
  });

  it("keeps each service's last run and last success, and skips disabled services", async () => {
    await services.recordRun(IS(1), AC, '5', 'succeeded', 120);
    await services.recordRun(IS(1), AC, '6', 'failed', null);
    expect(await row(IS(1))).toMatchObject({ last_run_id: '6', last_run_status: 'failed', user_count: 120, last_success_at: expect.any(Date) });
    await ds.query('UPDATE services SET enabled = false WHERE sid = $1', [IS(2)]);
    expect([...(await services.disabledServiceSids())]).toEqual([IS(2)]);
  });

  it("records an account's health, and only writes when it changes", async () => {
    await services.markAccount(AC, 'unhealthy', 'TwilioAuthError 401/20003');
    const [first] = await ds.query('SELECT status, last_error, xmin::text AS x FROM accounts WHERE sid = $1', [AC]);
    await services.markAccount(AC, 'unhealthy', 'TwilioAuthError 401/20003');
    const [same] = await ds.query('SELECT xmin::text AS x FROM accounts WHERE sid = $1', [AC]);
    expect([first.status, first.last_error, same.x]).toEqual(['unhealthy', 'TwilioAuthError 401/20003', first.x]);
    await services.markAccount(AC, 'ok', null);
    expect(await ds.query('SELECT status, last_error FROM accounts WHERE sid = $1', [AC])).toEqual([{ status: 'ok', last_error: null }]);
  });
});
