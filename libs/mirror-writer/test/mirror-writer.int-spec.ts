import type { TwilioUser } from '@app/domain';
import { DataSource } from 'typeorm';
import { IntModule, startIntModule } from '../../../test/support/int-module';
import { waitFor } from '../../../test/support/mirror-harness';
import { MirrorWriter } from '../src/mirror-writer';
import { MirrorWriterModule } from '../src/mirror-writer.module';
import { observeUsers } from '../src/observed-users';
import { WRITER_LOCK_SPACE } from '../src/page.statements';

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
    expect(await writer.apply({ kind: 'gone', scope: SCOPE, run, sids: [record(1).sid, record(2).sid], readAt: Date.now() })).toMatchObject({ deleted: 2 });
    expect(await writer.apply({ kind: 'gone', scope: SCOPE, run, sids: [record(1).sid], readAt: Date.now() })).toMatchObject({ deleted: 0 });
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

  it('a deleted user seen again by a later request is created again, with a created event', async () => {
    const before = await lastSequence();
    await writer.apply({ kind: 'fetched', scope: SCOPE, run: null, users: observeUsers([record(2)], IS, { readAt: Date.now() }) });
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

/**
 * A crawl page and a webhook's point fetch of the same user race: the page may have been read before the change the
 * webhook's fetch saw, and reach the writer after it. The mirror never goes backwards, and one service's writes
 * are serialized, so every event's `before` is the state the event before it left.
 */
describe('MirrorWriter (observations out of order)', () => {
  const IS2 = 'IS' + 'e'.repeat(32);
  const SCOPE2 = { accountSid: AC, serviceSid: IS2 };
  const RUN = { runId: '21', crawlId: '21' };
  let t: IntModule;
  let writer: MirrorWriter;
  let ds: DataSource;
  const at = (iso: string) => Date.parse(iso);
  const rec = (n: number, over: Partial<TwilioUser> = {}) => record(n, { chat_service_sid: IS2, ...over });
  const page = (records: TwilioUser[], readAt: number) =>
    writer.apply({
      kind: 'page',
      scope: SCOPE2,
      run: RUN,
      users: observeUsers(records, IS2, { readAt }),
      rejected: [],
      nextUrl: 'https://next.example/page',
      attempts: { requests: 1, throttled: 0, retries: 0 },
      expectUnchanged: false,
    });
  const fetched = (r: TwilioUser, readAt: number) => writer.apply({ kind: 'fetched', scope: SCOPE2, run: null, users: observeUsers([r], IS2, { readAt }) });
  const eventsOf = async (sid: string) =>
    ds.query(
      `SELECT sequence::int, data->>'op' AS op, data->'before'->>'friendly_name' AS before, data->'after'->>'friendly_name' AS after
       FROM user_events WHERE user_sid = $1 ORDER BY sequence`,
      [sid],
    );
  const stored = async (sid: string) => (await ds.query('SELECT friendly_name, version, deleted_at FROM users WHERE sid = $1', [sid]))[0];

  beforeAll(async () => {
    t = await startIntModule('writer_order', [MirrorWriterModule]);
    writer = t.module.get(MirrorWriter);
    ds = t.db.dataSource;
    await ds.query(`INSERT INTO sync_runs (id, crawl_id, account_sid, service_sid, status, trigger) VALUES (21, 21, $1, $2, 'running', 'manual')`, [AC, IS2]);
  });
  afterAll(() => t.close());

  it('a crawl page carrying an older copy of a user a webhook fetch just wrote writes nothing and announces nothing', async () => {
    await page([rec(1, { friendly_name: 'A', date_updated: '2026-03-01T10:00:00Z' })], at('2026-03-01T10:00:00.100Z'));
    // The change, seen by a webhook's fetch; the crawl's next page had been read before it.
    await fetched(rec(1, { friendly_name: 'B', date_updated: '2026-03-01T10:00:07Z' }), at('2026-03-01T10:00:07.300Z'));
    const result = await page([rec(1, { friendly_name: 'A', date_updated: '2026-03-01T10:00:00Z' }), rec(2)], at('2026-03-01T10:00:09.000Z'));
    expect(result).toMatchObject({ users: 2, created: 1, updated: 0, unchanged: 1, stale: 1 });
    expect(await stored(rec(1).sid)).toMatchObject({ friendly_name: 'B', version: 2 });
    expect(await eventsOf(rec(1).sid)).toEqual([
      { sequence: expect.any(Number), op: 'created', before: null, after: 'A' },
      { sequence: expect.any(Number), op: 'updated', before: 'A', after: 'B' },
    ]);
    // The stale copy still counts as seen by the crawl: the user exists upstream, so its sweep spares it.
    const [{ seen }] = await ds.query(`SELECT bool_or($1 = ANY(sids)) AS seen FROM sync_seen WHERE crawl_id = 21`, [rec(1).sid]);
    expect(seen).toBe(true);
  });

  it('within one second of date_updated, the copy read by the later request wins', async () => {
    const second = '2026-03-01T11:00:05Z';
    await fetched(rec(3, { friendly_name: 'B', date_updated: second }), at('2026-03-01T11:00:05.600Z'));
    // Read 200 ms before the webhook's fetch, written after it: the same second, so the request times decide.
    expect(await page([rec(3, { friendly_name: 'A', date_updated: second })], at('2026-03-01T11:00:05.400Z'))).toMatchObject({ updated: 0, stale: 1 });
    expect(await stored(rec(3).sid)).toMatchObject({ friendly_name: 'B' });
    // Read after it: a third state of that same second, and a real change.
    expect(await page([rec(3, { friendly_name: 'C', date_updated: second })], at('2026-03-01T11:00:05.900Z'))).toMatchObject({ updated: 1, stale: 0 });
    expect((await eventsOf(rec(3).sid)).map((e: { after: string }) => e.after)).toEqual(['B', 'C']);
  });

  it('a deletion is not undone by a copy read before it was confirmed, nor confirmed against a state read after its request', async () => {
    await fetched(rec(4, { friendly_name: 'Alive' }), at('2026-03-01T12:00:00.000Z'));
    expect(await writer.apply({ kind: 'gone', scope: SCOPE2, run: null, sids: [rec(4).sid], readAt: at('2026-03-01T12:00:01.000Z') })).toMatchObject({ deleted: 1 });
    // A page read before the 20404's request was sent still lists the user: not brought back.
    expect(await page([rec(4, { friendly_name: 'Alive' })], at('2026-03-01T12:00:00.500Z'))).toMatchObject({ created: 0, stale: 1 });
    expect((await stored(rec(4).sid)).deleted_at).not.toBeNull();

    await fetched(rec(5, { friendly_name: 'Seen late' }), at('2026-03-01T12:00:03.000Z'));
    // A 20404 to a request sent before that state was read is doubt: nothing is deleted.
    expect(await writer.apply({ kind: 'gone', scope: SCOPE2, run: null, sids: [rec(5).sid], readAt: at('2026-03-01T12:00:02.000Z') })).toMatchObject({ deleted: 0 });
    expect((await stored(rec(5).sid)).deleted_at).toBeNull();
    expect((await eventsOf(rec(4).sid)).map((e: { op: string }) => e.op)).toEqual(['created', 'deleted']);
  });

  it("one service's writes wait for each other: a transaction holding the service's writer lock holds the writer back", async () => {
    const holder = await ds.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    await holder.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [WRITER_LOCK_SPACE, IS2]);
    let done = false;
    const write = fetched(rec(6, { friendly_name: 'Waited' }), Date.now()).finally(() => (done = true));
    try {
      // The writer's backend is queued on the lock, and nothing was written meanwhile.
      await waitFor(async () => {
        const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = $1`, [WRITER_LOCK_SPACE]);
        return n === 1;
      }, 'the writer to wait for the service lock');
      expect(done).toBe(false);
      expect(await stored(rec(6).sid)).toBeUndefined();
    } finally {
      await holder.commitTransaction();
      await holder.release();
    }
    expect(await write).toMatchObject({ created: 1 });
    // Another service's writes do not wait for it.
    const other = await holder.manager.connection.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    await other.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [WRITER_LOCK_SPACE, IS2]);
    try {
      expect(await writer.apply({ kind: 'fetched', scope: SCOPE, run: null, users: observeUsers([record(60)], IS) })).toMatchObject({ created: 1 });
    } finally {
      await other.commitTransaction();
      await other.release();
    }
  });

  it('pages and webhook fetches of the same users written concurrently: every event starts where the one before ended', async () => {
    const users = [7, 8, 9, 10];
    for (const n of users) await fetched(rec(n, { friendly_name: 'v0', date_updated: '2026-04-01T00:00:00Z' }), at('2026-04-01T00:00:00.100Z'));
    const writes: Promise<unknown>[] = [];
    for (let v = 1; v <= 12; v++) {
      const date = `2026-04-01T00:00:${String(v).padStart(2, '0')}Z`;
      const readAt = at(date) + 100;
      // A webhook fetch sees version v; a crawl page, read just before, carries version v - 1 of all four users.
      writes.push(...users.map((n) => fetched(rec(n, { friendly_name: `v${v}`, date_updated: date }), readAt)));
      const older = `2026-04-01T00:00:${String(v - 1).padStart(2, '0')}Z`;
      writes.push(page(users.map((n) => rec(n, { friendly_name: `v${v - 1}`, date_updated: older })), readAt - 50));
    }
    await Promise.all(writes);
    for (const n of users) {
      const events = await eventsOf(rec(n).sid);
      for (let i = 1; i < events.length; i++) expect(events[i].before).toBe(events[i - 1].after);
      // Never backwards: the versions only go up, and the last is the newest.
      const versions = events.map((e: { after: string }) => Number(e.after.slice(1)));
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      expect(new Set(versions).size).toBe(versions.length);
      expect(await stored(rec(n).sid)).toMatchObject({ friendly_name: 'v12' });
    }
  });
});
