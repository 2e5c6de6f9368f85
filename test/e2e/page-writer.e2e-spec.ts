import { randomBytes } from 'node:crypto';
import type { TwilioUser } from '@app/domain';
import { CrawlRunRef, MirrorWriter, observeUsers, WriteResult, WriteScope } from '@app/mirror-writer';
import { ApiHarness, startApiWithWriter } from '../read-api/support/api-harness';
import { ACCOUNT, insertService, sid } from '../read-api/support/seed';

const IS = sid('IS', 0xd1);
const ATTEMPTS = { requests: 1, throttled: 0, retries: 0 };
const SCOPE: WriteScope = { accountSid: ACCOUNT, serviceSid: IS };
// 1,000 CJK characters: 3,000 bytes of UTF-8, past the 2,704 a whole-value btree entry holds (and hardly compressible).
const RANDOM = randomBytes(2000);
const LONG_IDENTITY = Array.from({ length: 1000 }, (_, i) => String.fromCodePoint(0x4e00 + (RANDOM.readUInt16LE(2 * i) % 20000))).join('');

/**
 * The mirror writer's page path against a real Postgres: the one-statement no-op path, the source-hash shortcut,
 * and the records it refuses itself (the mirror's client leaves attributes unparsed until a user is written).
 */
describe('page writer', () => {
  let h: ApiHarness;
  let writer: MirrorWriter;
  let ctx: CrawlRunRef;

  /** A crawl's page, as CrawlRun hands it to the writer. */
  const writePage = (items: TwilioUser[], nextUrl: string | null, opts: { expectUnchanged?: boolean } = {}): Promise<WriteResult> =>
    writer.apply({
      kind: 'page',
      scope: SCOPE,
      run: ctx,
      users: observeUsers(items, IS),
      rejected: [],
      nextUrl,
      attempts: ATTEMPTS,
      expectUnchanged: opts.expectUnchanged ?? false,
    });

  function user(n: number, over: Partial<TwilioUser> = {}): TwilioUser {
    const s = sid('US', n);
    return {
      sid: s,
      account_sid: ACCOUNT,
      chat_service_sid: IS,
      role_sid: null,
      identity: `user-${n}`,
      friendly_name: `User ${n}`,
      attributes: JSON.stringify({ n, tags: ['a', 'b'] }),
      is_online: null,
      is_notifiable: null,
      date_created: '2024-01-01T00:00:00Z',
      date_updated: '2024-01-02T00:00:00Z',
      url: `https://conversations.twilio.com/v1/Services/${IS}/Users/${s}`,
      links: null,
      ...over,
    };
  }

  const q = (sql: string, params?: unknown[]) => h.db.dataSource.query(sql, params);
  const run = async () => (await q('SELECT * FROM sync_runs WHERE id = $1', [ctx.runId]))[0];
  const xmins = async () => (await q('SELECT string_agg(xmin::text, \',\' ORDER BY sid) AS x FROM users'))[0].x;
  const lastSequence = async () => Number((await q('SELECT last FROM event_sequence'))[0].last);

  beforeAll(async () => {
    ({ api: h, writer } = await startApiWithWriter('page-writer', ACCOUNT));
    await insertService(h.db.dataSource, IS);
    const [{ id }] = await q(
      `INSERT INTO sync_runs (crawl_id, account_sid, service_sid, status, trigger, checkpoint_url)
       VALUES (0, $1, $2, 'running', 'manual', 'first') RETURNING id::text`,
      [ACCOUNT, IS],
    );
    await q('UPDATE sync_runs SET crawl_id = id WHERE id = $1', [id]);
    ctx = { runId: id, crawlId: id };
  });
  afterAll(() => h.close());

  it('an unchanged page expected as such is recorded in one statement: seen, checkpoint, counts, no row, no event', async () => {
    const page = [1, 2, 3].map((n) => user(n));
    const first = await writePage(page, 'page-2', { expectUnchanged: true });
    expect(first).toMatchObject({ users: 3, created: 3, updated: 0, unchanged: 0 }); // the probe found changes: full path
    const before = { xmins: await xmins(), sequence: await lastSequence() };

    const again = await writePage(page, 'page-3', { expectUnchanged: true });
    expect(again).toMatchObject({ users: 3, created: 0, updated: 0, unchanged: 3, rejected: [] });
    expect(await xmins()).toBe(before.xmins);
    expect(await lastSequence()).toBe(before.sequence);
    expect(await run()).toMatchObject({ checkpoint_url: 'page-3', pages: 2, users_seen: 6, created: 3, unchanged: 3 });
    const seen = await q('SELECT sids FROM sync_seen WHERE crawl_id = $1', [ctx.crawlId]);
    expect(seen.flatMap((r: { sids: string[] }) => r.sids).filter((s: string) => s === sid('US', 1))).toHaveLength(2);
  });

  it('a page with one change falls back to the full path: exactly that change is written and announced', async () => {
    const page = [user(1), user(2, { friendly_name: 'Renamed' }), user(3)];
    const sequence = await lastSequence();
    const result = await writePage(page, 'page-4', { expectUnchanged: true });
    expect(result).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
    expect(await lastSequence()).toBe(sequence + 1);
    const [event] = await q('SELECT data FROM user_events WHERE sequence = $1', [sequence + 1]);
    expect(event.data).toMatchObject({ op: 'updated', changed: ['friendly_name'], after: { friendly_name: 'Renamed' } });
    expect((await run()).checkpoint_url).toBe('page-4');
  });

  it('attributes with the same JSON value in other bytes: no change, no event; only their text and source hash are rewritten, once', async () => {
    const reordered = user(3, { attributes: '{ "tags": ["a","b"], "n": 3 }' });
    const rowOf3 = async () => (await q('SELECT xmin::text, version, changed_at, attributes_text FROM users WHERE sid = $1', [sid('US', 3)]))[0];
    const othersXmins = async () => (await q(`SELECT string_agg(xmin::text, ',' ORDER BY sid) AS x FROM users WHERE sid <> $1`, [sid('US', 3)]))[0].x;
    const before = { others: await othersXmins(), row: await rowOf3(), sequence: await lastSequence() };
    const page = [user(1), user(2, { friendly_name: 'Renamed' }), reordered];
    const result = await writePage(page, 'page-5', { expectUnchanged: true });
    expect(result).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    const after = await rowOf3();
    expect({ version: after.version, changed_at: after.changed_at, text: after.attributes_text, rewritten: after.xmin !== before.row.xmin }).toEqual({
      version: before.row.version,
      changed_at: before.row.changed_at,
      text: '{ "tags": ["a","b"], "n": 3 }',
      rewritten: true,
    });
    expect(await othersXmins()).toBe(before.others);
    expect(await lastSequence()).toBe(before.sequence);
    // The same bytes again are settled by the source hash: the one-statement path, no row written.
    const settled = await xmins();
    await writePage(page, 'page-5a', { expectUnchanged: true });
    expect(await xmins()).toBe(settled);
  });

  it('a user stored before source hashes existed gets its hash once, with no new version and no event', async () => {
    const page = [user(1), user(2, { friendly_name: 'Renamed' }), user(3)];
    await q('UPDATE users SET source_hash = NULL WHERE sid = $1', [sid('US', 1)]);
    const [before] = await q('SELECT version, changed_at FROM users WHERE sid = $1', [sid('US', 1)]);
    const sequence = await lastSequence();
    expect(await writePage(page, 'page-5b', { expectUnchanged: true })).toMatchObject({ unchanged: 3, created: 0, updated: 0 });
    const [after] = await q('SELECT version, changed_at, source_hash FROM users WHERE sid = $1', [sid('US', 1)]);
    expect(after).toMatchObject({ version: before.version, changed_at: before.changed_at });
    expect(after.source_hash).toEqual(expect.any(String));
    expect(await lastSequence()).toBe(sequence);
    // And the page is now settled by source hashes alone: the one-statement path records it.
    const xminsBefore = await xmins();
    await writePage(page, 'page-5c', { expectUnchanged: true });
    expect(await xmins()).toBe(xminsBefore);
  });

  it('refuses, with a reason, a record whose attributes are not JSON or hold what Postgres cannot store; the rest of the page lands', async () => {
    const page = [
      user(10),
      user(11, { attributes: '{a:1}' }),
      user(12, { attributes: '{"x":"\\ud800"}' }),
      user(13, { friendly_name: 'lone \ud800 surrogate' }),
      user(14, { identity: 'nul\u0000byte' }),
      user(15),
      user(16, { attributes: '{"big":1e999999}' }),
      user(17, { links: { 'bad\u0000key': 'https://x' } }),
      // A backslash, then "ud800": no escape at all, so nothing wrong with it.
      user(18, { attributes: '{"path":"C:\\\\ud800\\\\x","z":"\\\\u0000"}' }),
    ];
    const result = await writePage(page, 'page-6');
    expect(result.created).toBe(3);
    expect([...result.rejected].sort((a, b) => (a.sid as string).localeCompare(b.sid as string))).toEqual([
      { sid: sid('US', 11), reason: 'attributes is not valid JSON' },
      { sid: sid('US', 12), reason: 'attributes: contains a lone UTF-16 surrogate' },
      { sid: sid('US', 13), reason: 'contains a lone UTF-16 surrogate' },
      { sid: sid('US', 14), reason: 'contains a NUL character' },
      { sid: sid('US', 16), reason: 'Postgres refused it: value overflows numeric format' },
      { sid: sid('US', 17), reason: 'contains a NUL character' },
    ]);
    const stored = await q('SELECT sid, attributes FROM users WHERE sid = ANY($1) ORDER BY sid', [page.map((u) => u.sid)]);
    expect(stored.map((r: { sid: string }) => r.sid)).toEqual([sid('US', 10), sid('US', 15), sid('US', 18)]);
    expect(stored[2].attributes).toEqual(JSON.parse(page[8].attributes!));
    expect((await run()).rejected).toBe(6);
    // Kept with their reasons for the run's detail, and seen: they exist upstream, so the sweep must spare them.
    const kept = await q('SELECT user_sid, reason FROM sync_rejections WHERE run_id = $1 ORDER BY user_sid COLLATE "C"', [ctx.runId]);
    expect(kept).toEqual([...result.rejected].map((r) => ({ user_sid: r.sid as string, reason: r.reason })).sort((x, y) => (x.user_sid < y.user_sid ? -1 : 1)));
    const seen = await q('SELECT DISTINCT unnest(sids) AS sid FROM sync_seen WHERE crawl_id = $1', [ctx.crawlId]);
    expect(seen.map((r: { sid: string }) => r.sid)).toEqual(expect.arrayContaining(page.map((u) => u.sid)));
  });

  it('rejects, with its reason, what only Postgres knows it cannot store, and writes the rest of the page', async () => {
    const page = [
      user(40),
      user(41, { date_created: '2024-02-30T00:00:00Z' }),
      user(42, { identity: LONG_IDENTITY }), // longer than a whole-value btree entry holds: stored all the same
      user(43, { attributes: '{"n":0,"note":"see 1e99999 here","tiny":1e-10000,"huge":1e10000}' }), // all within jsonb
      user(44, { attributes: '{"big":1e999999}' }),
    ];
    const before = await lastSequence();
    const result = await writePage(page, 'page-12');
    expect(result).toMatchObject({ created: 3, users: 3 });
    expect([...result.rejected].sort((a, b) => (a.sid as string).localeCompare(b.sid as string))).toEqual([
      { sid: sid('US', 41), reason: expect.stringMatching(/^Postgres refused it: date\/time field value out of range/) },
      { sid: sid('US', 44), reason: 'Postgres refused it: value overflows numeric format' },
    ]);
    const stored = await q(`SELECT sid, attributes->>'huge' AS huge FROM users WHERE sid = ANY($1) ORDER BY sid`, [page.map((u) => u.sid)]);
    expect(stored.map((r: { sid: string; huge: string | null }) => [r.sid, r.huge?.length ?? null])).toEqual([
      [sid('US', 40), null],
      [sid('US', 42), null],
      [sid('US', 43), 10001],
    ]);
    expect(await lastSequence()).toBe(before + 3); // events for what landed, none for what was refused
    // The long identity is found by the read API, exactly and by a prefix longer than the indexed part.
    const byIdentity = await h.get(`/v1/services/${IS}/users/${encodeURIComponent(LONG_IDENTITY)}`);
    const byPrefix = await h.get(`/v1/services/${IS}/users?identity_prefix=${encodeURIComponent(Array.from(LONG_IDENTITY).slice(0, 600).join(''))}`);
    const notQuite = await h.get(`/v1/services/${IS}/users?identity=${encodeURIComponent(LONG_IDENTITY.slice(0, -1))}`);
    expect([byIdentity.body.sid, byPrefix.body.users?.map((u: { sid: string }) => u.sid), notQuite.body.users]).toEqual([sid('US', 42), [sid('US', 42)], []]);
    expect(await run()).toMatchObject({ checkpoint_url: 'page-12' }); // the crawl moves on past the page
  });

  it('stores verbatim text that looks like the statement quoting around it', async () => {
    const odd = user(30, { identity: "it's $doc$ and $$; DROP TABLE users; --", friendly_name: 'ends in $doc', attributes: '{"q":"$doc$\\\\\'"}' });
    const result = await writePage([odd, user(31, { friendly_name: '$doc' })], 'page-8');
    expect(result).toMatchObject({ created: 2, rejected: [] });
    const [row] = await q('SELECT identity, friendly_name, attributes FROM users WHERE sid = $1', [odd.sid]);
    expect(row).toEqual({ identity: odd.identity, friendly_name: odd.friendly_name, attributes: JSON.parse(odd.attributes!) });
  });

  it('keeps attributes exactly as Twilio wrote them, big numbers included', async () => {
    const text = '{"big":123456789012345678901234567890,"pi":3.14159265358979323846,"nested":{"k":[1,{"z":null}]}}';
    await writePage([user(20, { attributes: text })], 'page-7');
    const [row] = await q('SELECT attributes::text AS a, attributes_text AS t FROM users WHERE sid = $1', [sid('US', 20)]);
    expect(row.a).toBe('{"pi": 3.14159265358979323846, "big": 123456789012345678901234567890, "nested": {"k": [1, {"z": null}]}}');
    expect(row.t).toBe(text);
  });

  it('sees a change in a digit no double holds, and its event carries both numbers exactly', async () => {
    const u = (id: string) => user(21, { attributes: `{"id":${id},"tags":["a"]}` });
    await writePage([u('12345678901234567890')], 'page-9');
    const sequence = await lastSequence();
    // Other bytes, same value: Postgres's comparison says unchanged, so nothing is announced and no value, version or
    // changed_at moves; only the text Twilio sent is kept.
    const row21 = async () => (await q('SELECT version, changed_at, attributes::text AS value, attributes_text FROM users WHERE sid = $1', [sid('US', 21)]))[0];
    const before = await row21();
    const sameText = '{ "tags": ["a"], "id": 12345678901234567890.0 }';
    const same = await writePage([user(21, { attributes: sameText })], 'page-10');
    expect({ result: same, row: await row21(), sequence: await lastSequence() }).toEqual({
      result: expect.objectContaining({ updated: 0, unchanged: 1 }),
      row: { ...before, attributes_text: sameText },
      sequence,
    });

    const changed = await writePage([u('12345678901234567891')], 'page-11');
    expect(changed).toMatchObject({ updated: 1, unchanged: 0 });
    const [row] = await q('SELECT attributes::text AS a FROM users WHERE sid = $1', [sid('US', 21)]);
    expect(row.a).toBe('{"id": 12345678901234567891, "tags": ["a"]}');
    const events = await q(
      `SELECT data->'changed' AS changed, data->'before'->'attributes'->>'id' AS before, data->'after'->'attributes'->>'id' AS after
       FROM user_events WHERE sequence > $1 ORDER BY sequence`,
      [sequence],
    );
    expect(events).toEqual([{ changed: ['attributes'], before: '12345678901234567890', after: '12345678901234567891' }]);
  });
});
