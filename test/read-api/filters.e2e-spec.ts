import { ApiHarness, startApi } from './support/api-harness';
import { ACCOUNT, insertService, insertUsers, SeedUser, sid } from './support/seed';

const A = sid('IS', 0xa);
const B = sid('IS', 0xb);
const EMPTY = sid('IS', 0xe);
const RL1 = sid('RL', 1);
const RL2 = sid('RL', 2);

/** Every query filter of /v1/services/{IS}/users, alone and combined, against a small service whose answers are known. */
describe('read API: users, filters and lookups', () => {
  let api: ApiHarness;
  const live: SeedUser[] = [
    { sid: sid('US', 1), chat_service_sid: A, identity: 'alice@example.com', friendly_name: 'Alice Smith', role_sid: RL1, attributes: { plan: 'pro', tier: { level: 2 } }, changed_at: '2025-01-01T00:00:00Z' },
    { sid: sid('US', 2), chat_service_sid: A, identity: 'alicia@example.com', friendly_name: 'Alicia Keys', role_sid: RL2, attributes: { plan: 'free' }, changed_at: '2025-02-01T00:00:00Z' },
    { sid: sid('US', 3), chat_service_sid: A, identity: 'al_ice', friendly_name: 'Underscore', role_sid: RL1, attributes: { plan: 'pro', tier: { level: 3 } }, changed_at: '2025-03-01T00:00:00Z' },
    { sid: sid('US', 4), chat_service_sid: A, identity: 'bob', friendly_name: 'Bob Jones', role_sid: RL2, attributes: {}, changed_at: '2025-04-01T00:00:00Z' },
    { sid: sid('US', 5), chat_service_sid: A, identity: 'team/ops ?x=%20&y+z#frag', friendly_name: 'Ops Team', role_sid: RL1, attributes: { plan: 'pro' }, changed_at: '2025-05-01T00:00:00Z' },
    { sid: sid('US', 6), chat_service_sid: A, identity: '100%', friendly_name: 'Percent', role_sid: null, attributes: { tags: ['a', 'b'] }, changed_at: '2025-06-01T00:00:00Z' },
    { sid: sid('US', 7), chat_service_sid: A, identity: 'smithy', friendly_name: null, role_sid: RL2, attributes: null, changed_at: '2025-07-01T00:00:00Z' },
  ];
  const deleted: SeedUser[] = [
    { sid: sid('US', 8), chat_service_sid: A, identity: 'gone', friendly_name: 'Gone Smith', role_sid: RL1, attributes: { plan: 'pro' }, changed_at: '2025-08-01T00:00:00Z', deleted_at: '2025-08-01T00:00:00Z' },
    // The same identity as a live user: deleted and re-created upstream between two crawls.
    { sid: sid('US', 9), chat_service_sid: A, identity: 'bob', friendly_name: 'Old Bob', role_sid: RL2, changed_at: '2024-12-01T00:00:00Z', deleted_at: '2024-12-01T00:00:00Z' },
  ];
  const other: SeedUser[] = [{ sid: sid('US', 0x10), chat_service_sid: B, identity: 'alice@example.com', friendly_name: 'Alice in B', role_sid: RL1, attributes: { plan: 'pro' } }];

  const sids = (body: any) => body.users.map((u: any) => u.sid);
  const n = (...ids: number[]) => ids.map((i) => sid('US', i));

  beforeAll(async () => {
    api = await startApi('filters');
    await insertService(api.db.dataSource, A);
    await insertService(api.db.dataSource, EMPTY);
    await insertUsers(api.db.dataSource, [...live, ...deleted, ...other]);
  });
  afterAll(() => api?.close());

  it('lists live users of the service in sid order, with every field', async () => {
    const r = await api.get(`/v1/services/${A}/users`);
    expect(r.status).toBe(200);
    expect(sids(r.body)).toEqual(n(1, 2, 3, 4, 5, 6, 7));
    expect(r.body.next_cursor).toBeNull();
    expect(r.body.users[0]).toEqual({
      sid: sid('US', 1),
      account_sid: ACCOUNT,
      chat_service_sid: A,
      role_sid: RL1,
      identity: 'alice@example.com',
      friendly_name: 'Alice Smith',
      attributes: { plan: 'pro', tier: { level: 2 } },
      is_online: null,
      is_notifiable: null,
      date_created: '2024-01-02T03:04:05Z',
      date_updated: '2024-01-02T03:04:06Z',
      url: `https://conversations.twilio.com/v1/Services/${A}/Users/${sid('US', 1)}`,
      links: { user_conversations: `https://conversations.twilio.com/v1/Services/${A}/Users/${sid('US', 1)}/Conversations` },
      version: 1,
      first_seen_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      changed_at: '2025-01-01T00:00:00.000Z',
      deleted_at: null,
      personal_data_erased_at: null,
    });
  });

  it('pages with an opaque cursor until next_cursor is null', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: any = await api.get(`/v1/services/${A}/users?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.users.length).toBeLessThanOrEqual(3);
      seen.push(...sids(r.body));
      cursor = r.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(n(1, 2, 3, 4, 5, 6, 7));
  });

  it('filters by exact identity, scoped to the service', async () => {
    expect(sids((await api.get(`/v1/services/${A}/users?identity=alice%40example.com`)).body)).toEqual(n(1));
    expect(sids((await api.get(`/v1/services/${B}/users?identity=alice%40example.com`)).body)).toEqual(n(0x10));
    expect(sids((await api.get(`/v1/services/${A}/users?identity=${encodeURIComponent('team/ops ?x=%20&y+z#frag')}`)).body)).toEqual(n(5));
    expect(sids((await api.get(`/v1/services/${A}/users?identity=ALICE%40example.com`)).body)).toEqual([]);
  });

  it('filters by identity prefix, matching LIKE wildcards literally', async () => {
    expect(sids((await api.get(`/v1/services/${A}/users?identity_prefix=ali`)).body)).toEqual(n(1, 2));
    expect(sids((await api.get(`/v1/services/${A}/users?identity_prefix=al_`)).body)).toEqual(n(3));
    expect(sids((await api.get(`/v1/services/${A}/users?identity_prefix=100%25`)).body)).toEqual(n(6));
    expect(sids((await api.get(`/v1/services/${A}/users?identity_prefix=%25`)).body)).toEqual([]);
  });

  it('filters by role sid', async () => {
    expect(sids((await api.get(`/v1/services/${A}/users?role_sid=${RL1}`)).body)).toEqual(n(1, 3, 5));
    expect(sids((await api.get(`/v1/services/${A}/users?role_sid=${RL2}`)).body)).toEqual(n(2, 4, 7));
  });

  it('filters by attributes containment, nested and arrays included', async () => {
    const q = (json: unknown) => api.get(`/v1/services/${A}/users?attributes=${encodeURIComponent(JSON.stringify(json))}`);
    expect(sids((await q({ plan: 'pro' })).body)).toEqual(n(1, 3, 5));
    expect(sids((await q({ tier: { level: 2 } })).body)).toEqual(n(1));
    expect(sids((await q({ tags: ['b'] })).body)).toEqual(n(6));
    expect(sids((await q({})).body)).toEqual(n(1, 2, 3, 4, 5, 6)); // a null attributes contains nothing
    expect(sids((await q({ plan: 'enterprise' })).body)).toEqual([]);
  });

  it('searches friendly name and identity, case-insensitively and literally', async () => {
    expect(sids((await api.get(`/v1/services/${A}/users?q=smi`)).body)).toEqual(n(1, 7)); // "Alice Smith", "smithy"
    expect(sids((await api.get(`/v1/services/${A}/users?q=ALICI`)).body)).toEqual(n(2));
    expect(sids((await api.get(`/v1/services/${A}/users?q=${encodeURIComponent('00%')}`)).body)).toEqual(n(6));
    expect(sids((await api.get(`/v1/services/${A}/users?q=ops%20%3Fx`)).body)).toEqual(n(5));
    // A match never spans the two fields ("Alice Smith" then "alice@example.com").
    expect(sids((await api.get(`/v1/services/${A}/users?q=ith%20ali`)).body)).toEqual([]);
    expect(sids((await api.get(`/v1/services/${A}/users?q=smithalice`)).body)).toEqual([]);
  });

  it("filters by updated since on the mirror's changed_at", async () => {
    expect(sids((await api.get(`/v1/services/${A}/users?updated_since=2025-05-01T00:00:00Z`)).body)).toEqual(n(5, 6, 7));
    expect(sids((await api.get(`/v1/services/${A}/users?updated_since=2025-05-01T02:00:00%2B02:00`)).body)).toEqual(n(5, 6, 7));
    expect(sids((await api.get(`/v1/services/${A}/users?updated_since=2025-06-15`)).body)).toEqual(n(7));
    // Deletions are changes too: with deleted=include the filter is an incremental sync.
    expect(sids((await api.get(`/v1/services/${A}/users?updated_since=2025-06-15&deleted=include`)).body)).toEqual(n(7, 8));
  });

  it('lists with or without deleted users', async () => {
    expect(sids((await api.get(`/v1/services/${A}/users?deleted=only`)).body)).toEqual(n(8, 9));
    expect(sids((await api.get(`/v1/services/${A}/users?deleted=include`)).body)).toEqual(n(1, 2, 3, 4, 5, 6, 7, 8, 9));
    const tomb = (await api.get(`/v1/services/${A}/users?deleted=only&limit=1`)).body.users[0];
    expect(tomb.deleted_at).toBe('2025-08-01T00:00:00.000Z');
  });

  it('combines filters', async () => {
    const r = await api.get(`/v1/services/${A}/users?role_sid=${RL1}&attributes=${encodeURIComponent('{"plan":"pro"}')}&q=ice&deleted=include`);
    expect(sids(r.body)).toEqual(n(1, 3));
    expect(sids((await api.get(`/v1/services/${A}/users?identity=bob&deleted=include`)).body)).toEqual(n(4, 9));
  });

  it('binds a cursor to its query', async () => {
    const first = await api.get(`/v1/services/${A}/users?limit=1&role_sid=${RL1}`);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const same = await api.get(`/v1/services/${A}/users?limit=1&role_sid=${RL1}&cursor=${first.body.next_cursor}`);
    expect(sids(same.body)).toEqual(n(3));
    const other = await api.get(`/v1/services/${A}/users?limit=1&role_sid=${RL2}&cursor=${first.body.next_cursor}`);
    expect(other.status).toBe(400);
    expect(other.body.message).toMatch(/different query/);
    const elsewhere = await api.get(`/v1/services/${B}/users?limit=1&role_sid=${RL1}&cursor=${first.body.next_cursor}`);
    expect(elsewhere.status).toBe(400);
  });

  it('answers 404 for an unknown service and an empty page for a known one', async () => {
    const unknown = await api.get(`/v1/services/${sid('IS', 0xdead)}/users`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ statusCode: 404, error: 'Not Found', message: expect.stringMatching(/not in the mirror/) });
    const empty = await api.get(`/v1/services/${EMPTY}/users`);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ users: [], next_cursor: null, as_of_sequence: '0' });
    expect(empty.headers.get('x-mirror-sequence')).toBe('0');
  });

  it('says what is wrong with a bad filter', async () => {
    const cases: [string, RegExp][] = [
      ['limit=0', /limit must be at least 1/],
      ['limit=1001', /limit must be at most 1000/],
      ['limit=ten', /limit must be a whole number/],
      ['role_sid=RL123', /role_sid must be a role sid/],
      ['attributes=%5B1%5D', /attributes must be a JSON object/],
      ['attributes=%7Bplan', /attributes must be valid JSON/],
      ['attributes=%7B%22a%22%3A%22%5Cu0000%22%7D', /NUL/],
      ['q=ab', /q must be at least 3 characters/],
      ['q=abc%1Fdef', /q cannot contain control characters/],
      ['updated_since=yesterday', /updated_since must be an ISO 8601/],
      ['updated_since=0001-01-01T00:00:00Z', /between 1970 and 9999/],
      ['deleted=maybe', /deleted must be one of exclude, include, only/],
      ['cursor=not-a-cursor', /cursor is not a cursor this API issued/],
      ['identity=a&identity=b', /identity must be a single string/],
      ['identity=a%00b', /NUL/],
      ['colour=blue', /property colour should not exist/],
    ];
    for (const [query, message] of cases) {
      const r = await api.get(`/v1/services/${A}/users?${query}`);
      expect({ query, status: r.status }).toEqual({ query, status: 400 });
      expect(r.body.message).toMatch(message);
    }
    const badSid = await api.get(`/v1/services/IS123/users`);
    expect(badSid.status).toBe(400);
    expect(badSid.body.message).toBe('"IS123" is not a valid IS sid (IS followed by 32 hex digits)');
  });

  describe('lookups', () => {
    it('gets a user by sid, and a deleted one only when asked', async () => {
      const r = await api.get(`/v1/users/${sid('US', 2)}`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ sid: sid('US', 2), identity: 'alicia@example.com', deleted_at: null });
      expect((await api.get(`/v1/users/${sid('US', 8)}`)).status).toBe(404);
      const tomb = await api.get(`/v1/users/${sid('US', 8)}?include_deleted=true`);
      expect(tomb.status).toBe(200);
      expect(tomb.body.deleted_at).toBe('2025-08-01T00:00:00.000Z');
      expect((await api.get(`/v1/users/${sid('US', 0x99)}`)).status).toBe(404);
      expect((await api.get(`/v1/users/not-a-sid`)).status).toBe(400);
      expect((await api.get(`/v1/users/${sid('US', 2)}?include_deleted=yes`)).status).toBe(400);
    });

    it("answers attributes' numbers exactly as stored, digits no double holds included", async () => {
      const big = sid('US', 0x20);
      await insertUsers(api.db.dataSource, [{ sid: big, chat_service_sid: EMPTY, identity: 'big' }]);
      await api.db.dataSource.query(`UPDATE users SET attributes = '{"id": 12345678901234567891, "x": 0.30000000000000001}' WHERE sid = $1`, [big]);
      for (const path of [`/v1/users/${big}`, `/v1/services/${EMPTY}/users/big`, `/v1/services/${EMPTY}/users`]) {
        const r = await api.get(path);
        expect({ path, status: r.status, exact: r.text.includes('"id": 12345678901234567891') && r.text.includes('"x": 0.30000000000000001') }).toEqual({ path, status: 200, exact: true });
      }
      await api.db.dataSource.query('DELETE FROM users WHERE sid = $1', [big]);
    });

    it('gets a user of a service by sid or by an identity with reserved characters', async () => {
      const bySid = await api.get(`/v1/services/${A}/users/${sid('US', 5)}`);
      expect(bySid.body.identity).toBe('team/ops ?x=%20&y+z#frag');
      const byIdentity = await api.get(`/v1/services/${A}/users/${encodeURIComponent('team/ops ?x=%20&y+z#frag')}`);
      expect(byIdentity.status).toBe(200);
      expect(byIdentity.body.sid).toBe(sid('US', 5));
      expect((await api.get(`/v1/services/${A}/users/100%25`)).body.sid).toBe(sid('US', 6));
      // The live user wins over the tombstone that shares its identity.
      expect((await api.get(`/v1/services/${A}/users/bob`)).body.sid).toBe(sid('US', 4));
      // Scoped to the service: B's user is not A's.
      expect((await api.get(`/v1/services/${A}/users/${sid('US', 0x10)}`)).status).toBe(404);
      expect((await api.get(`/v1/services/${B}/users/alice%40example.com`)).body.sid).toBe(sid('US', 0x10));
      expect((await api.get(`/v1/services/${A}/users/gone`)).status).toBe(404);
      expect((await api.get(`/v1/services/${A}/users/gone?include_deleted=true`)).body.sid).toBe(sid('US', 8));
      const unknown = await api.get(`/v1/services/${sid('IS', 0xdead)}/users/bob`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toMatch(/service .* is not in the mirror/);
    });
  });
});
