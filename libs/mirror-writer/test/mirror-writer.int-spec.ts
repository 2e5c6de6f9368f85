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

  it('an erased tombstone seen again is a live user again, no longer marked erased', async () => {
    const sid = record(1).sid; // tombstoned above
    await ds.query(`UPDATE users SET identity = NULL, friendly_name = NULL, attributes = NULL, attributes_text = NULL, personal_data_erased_at = now() WHERE sid = $1`, [sid]);
    await writer.apply({ kind: 'fetched', scope: SCOPE, run: null, users: observeUsers([record(1)], IS) });
    expect(await ds.query('SELECT identity, attributes_text, deleted_at, personal_data_erased_at FROM users WHERE sid = $1', [sid])).toEqual([
      { identity: 'user-1', attributes_text: '{}', deleted_at: null, personal_data_erased_at: null },
    ]);
  });
});

/** Attributes are kept as Twilio sent them, byte for byte, beside their jsonb value. */
describe('MirrorWriter (exact attributes text)', () => {
  let t: IntModule;
  let writer: MirrorWriter;
  let ds: DataSource;
  const AWKWARD = ' {\n  "z": 1, "a" : [ 1.50, "\\u00e9\\ud83d\\ude00" ],\t"n": 12345678901234567890 } ';
  const row = async (sid: string) =>
    (await ds.query(`SELECT attributes_text, attributes::text AS value, source_hash, version, changed_at, xmin::text AS xmin FROM users WHERE sid = $1`, [sid]))[0];
  const lastSequence = async () => Number((await ds.query('SELECT last FROM event_sequence'))[0].last);
  const fetched = (r: TwilioUser) => writer.apply({ kind: 'fetched', scope: SCOPE, run: null, users: observeUsers([r], IS) });

  beforeAll(async () => {
    t = await startIntModule('writer_text', [MirrorWriterModule]);
    writer = t.module.get(MirrorWriter);
    ds = t.db.dataSource;
  });
  afterAll(() => t.close());

  it('stores the text exactly, whitespace around and inside, key order, escapes and long numbers included', async () => {
    await fetched(record(1, { attributes: AWKWARD }));
    const r = await row(record(1).sid);
    expect(r.attributes_text).toBe(AWKWARD);
    expect(JSON.parse(r.value)).toEqual(JSON.parse(AWKWARD));
    expect(r.value).toContain('12345678901234567890'); // jsonb keeps the exact number for the filters
  });

  it('rewrites only the text and source hash when the same value comes in other bytes: no event, no version, no changed_at', async () => {
    const sid = record(1).sid;
    const before = await row(sid);
    const seq = await lastSequence();
    const reordered = '{"a":[1.5,"é😀"],"n":12345678901234567890,"z":1}';
    expect(await fetched(record(1, { attributes: reordered }))).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    const after = await row(sid);
    expect(after.attributes_text).toBe(reordered);
    expect(after.source_hash).not.toBe(before.source_hash);
    expect({ version: after.version, changed_at: after.changed_at, value: after.value }).toEqual({ version: before.version, changed_at: before.changed_at, value: before.value });
    expect(await lastSequence()).toBe(seq);
    // Seen again as it is now, it is settled by its hash: the row is not written at all.
    await fetched(record(1, { attributes: reordered }));
    expect((await row(sid)).xmin).toBe(after.xmin);
  });

  it('writes the text of a row stored before texts were kept, once, announcing nothing', async () => {
    const sid = record(2).sid;
    await fetched(record(2, { attributes: '{ "k": "v" }' }));
    await ds.query('UPDATE users SET attributes_text = NULL WHERE sid = $1', [sid]); // as the migration leaves old rows
    const seq = await lastSequence();
    const version = (await row(sid)).version;
    await fetched(record(2, { attributes: '{ "k": "v" }' }));
    expect(await row(sid)).toMatchObject({ attributes_text: '{ "k": "v" }', version });
    expect(await lastSequence()).toBe(seq);
  });
});
