import type { TwilioUser } from '@app/domain';
import { DataSource } from 'typeorm';
import { IntModule, startIntModule } from '../../../test/support/int-module';
import { MirrorWriter } from '../src/mirror-writer';
import { MirrorWriterModule } from '../src/mirror-writer.module';
import { observeUsers } from '../src/observed-users';

const IS = 'IS' + 'c'.repeat(32);
const AC = 'AC' + 'd'.repeat(32);
const SCOPE = { accountSid: AC, serviceSid: IS };

function record(n: number, over: Partial<TwilioUser> = {}): TwilioUser {
  const sid = 'US' + n.toString(16).padStart(32, '0');
  return {
    sid,
    account_sid: AC,
    chat_service_sid: IS,
    role_sid: null,
    identity: `user-${n}`,
    friendly_name: `User ${n}`,
    attributes: '{}',
    is_online: null,
    is_notifiable: null,
    date_created: '2024-01-01T00:00:00Z',
    date_updated: '2024-01-02T00:00:00Z',
    url: null,
    links: null,
    ...over,
  };
}

/** The writer against a real Postgres, for what reaches it outside a crawl's pages: point fetches and deletions. */
describe('MirrorWriter (point fetches and deletions)', () => {
  let t: IntModule;
  let writer: MirrorWriter;
  let ds: DataSource;
  const events = async (after: number) =>
    ds.query(`SELECT sequence::int, type, user_sid, run_id::text, data->'changed' AS changed FROM user_events WHERE sequence > $1 ORDER BY sequence`, [after]);
  const lastSequence = async () => Number((await ds.query('SELECT last FROM event_sequence'))[0].last);

  beforeAll(async () => {
    t = await startIntModule('writer', [MirrorWriterModule]);
    writer = t.module.get(MirrorWriter);
    ds = t.db.dataSource;
  });
  afterAll(() => t.close());

  it('a user fetched outside any crawl (a webhook) is created with its event, and no run is counted or marked', async () => {
    const result = await writer.apply({ kind: 'fetched', scope: SCOPE, run: null, users: observeUsers([record(1)], IS) });
    expect(result).toMatchObject({ users: 1, created: 1, updated: 0 });
    expect(await events(0)).toEqual([{ sequence: 1, type: expect.stringMatching(/\.user\.created$/), user_sid: record(1).sid, run_id: null, changed: expect.any(Array) }]);
    expect(await ds.query('SELECT count(*)::int AS n FROM sync_seen')).toEqual([{ n: 0 }]);
  });

  it('the same fetch again changes nothing and announces nothing', async () => {
    const before = await lastSequence();
    expect(await writer.apply({ kind: 'fetched', scope: SCOPE, run: null, users: observeUsers([record(1)], IS) })).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    expect(await lastSequence()).toBe(before);
  });

  it('presence that only a point fetch knows is kept when a list page says null', async () => {
    const before = await lastSequence();
    await writer.apply({ kind: 'fetched', scope: SCOPE, run: null, users: observeUsers([record(1, { is_online: true, is_notifiable: false })], IS) });
    expect((await events(before)).map((e: { changed: string[] }) => e.changed)).toEqual([['is_online', 'is_notifiable']]);
    await writer.apply({ kind: 'fetched', scope: SCOPE, run: null, users: observeUsers([record(1)], IS) });
    expect(await ds.query('SELECT is_online, is_notifiable FROM users WHERE sid = $1', [record(1).sid])).toEqual([{ is_online: true, is_notifiable: false }]);
    expect(await lastSequence()).toBe(before + 1);
  });

  it('confirmed deletions are tombstoned once, counted in their run, and announced with the last known state', async () => {
    await ds.query(`INSERT INTO sync_runs (id, crawl_id, account_sid, service_sid, status, trigger) VALUES (9, 9, $1, $2, 'running', 'manual')`, [AC, IS]);
    const run = { runId: '9', crawlId: '9' };
    await writer.apply({ kind: 'fetched', scope: SCOPE, run, users: observeUsers([record(2)], IS) });
    const before = await lastSequence();
    expect(await writer.apply({ kind: 'gone', scope: SCOPE, run, sids: [record(1).sid, record(2).sid] })).toMatchObject({ deleted: 2 });
    expect(await writer.apply({ kind: 'gone', scope: SCOPE, run, sids: [record(1).sid] })).toMatchObject({ deleted: 0 });
    const deleted = await ds.query(
      `SELECT user_sid, run_id::text, data->'before'->>'identity' AS identity, data->'after' AS after FROM user_events WHERE sequence > $1 ORDER BY sequence`,
      [before],
    );
    expect(deleted).toEqual([
      { user_sid: record(1).sid, run_id: '9', identity: 'user-1', after: null },
      { user_sid: record(2).sid, run_id: '9', identity: 'user-2', after: null },
    ]);
    expect(await ds.query('SELECT deleted, created FROM sync_runs WHERE id = 9')).toEqual([{ deleted: 2, created: 1 }]);
    expect(await ds.query('SELECT count(*)::int AS n FROM users WHERE deleted_at IS NOT NULL')).toEqual([{ n: 2 }]);
  });

  it('a deleted user seen again is created again, with a created event', async () => {
    const before = await lastSequence();
    await writer.apply({ kind: 'fetched', scope: SCOPE, run: null, users: observeUsers([record(2)], IS) });
    expect((await events(before)).map((e: { type: string }) => e.type.split('.').pop())).toEqual(['created']);
    expect(await ds.query('SELECT deleted_at FROM users WHERE sid = $1', [record(2).sid])).toEqual([{ deleted_at: null }]);
  });
});
