import { Harness, startHarness, TEST_API_TOKEN } from '../support/mirror-harness';

/**
 * The foundation end to end: simulator over real HTTP (2 services × 1,234 varied users) → scheduler →
 * BullMQ → worker → Postgres. The mirror must equal the upstream in every field of every user.
 */
describe('mirror end to end', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('e2e', { sim: { services: '2x1234', seed: 11 }, roles: 'api,worker,scheduler' });
  });
  afterAll(async () => h?.close());

  async function expectMirrorEqualsUpstream() {
    for (const serviceSid of h.sim.serviceSids) {
      const upstream = h.sim.admin.exportUsers(serviceSid);
      expect(upstream).toHaveLength(1234);
      const rows = await h.db.dataSource.query(
        `SELECT *, date_created AT TIME ZONE 'UTC' AS dc FROM users WHERE chat_service_sid = $1 ORDER BY sid`,
        [serviceSid],
      );
      expect(rows).toHaveLength(upstream.length);
      const bySid = new Map(rows.map((r: any) => [r.sid, r]));
      for (const u of upstream) {
        const r: any = bySid.get(u.sid);
        expect(r).toBeDefined();
        expect({
          sid: r.sid,
          account_sid: r.account_sid,
          chat_service_sid: r.chat_service_sid,
          role_sid: r.role_sid,
          identity: r.identity,
          friendly_name: r.friendly_name,
          attributes: r.attributes,
          date_created: r.date_created.toISOString().replace('.000Z', 'Z'),
          date_updated: r.date_updated.toISOString().replace('.000Z', 'Z'),
          url: r.url,
          links: r.links,
          deleted_at: r.deleted_at,
        }).toEqual({
          sid: u.sid,
          account_sid: u.account_sid,
          chat_service_sid: u.chat_service_sid,
          role_sid: u.role_sid,
          identity: u.identity,
          friendly_name: u.friendly_name,
          attributes: JSON.parse(u.attributes!), // compared as JSON values
          date_created: u.date_created,
          date_updated: u.date_updated,
          url: u.url,
          links: u.links,
          deleted_at: null,
        });
        // The list never reports presence (Twilio returns null there), so the mirror has not learnt it.
        expect([r.is_online, r.is_notifiable]).toEqual([null, null]);
      }
    }
  }

  it('mirrors every user of both services field for field', async () => {
    const runs = await h.crawlAll();
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    for (const r of runs) {
      expect(r).toMatchObject({ pages: 25, users_seen: 1234, created: 1234, updated: 0, deleted: 0 });
    }
    await expectMirrorEqualsUpstream();

    // The upstream data really is varied: the cases the mirror must carry intact are present.
    const identities: string[] = h.sim.serviceSids.flatMap((s) => h.sim.admin.exportUsers(s).map((u) => u.identity!));
    expect(identities.some((i) => /[/?%+#]/.test(i))).toBe(true);
    expect(identities.some((i) => i.includes(' '))).toBe(true);
    expect(identities.some((i) => i.length === 256)).toBe(true);
    expect(identities.some((i) => /[^\x00-\x7f]/.test(i))).toBe(true);
    const lower = new Set(identities.map((i) => i.toLowerCase()));
    expect(lower.size).toBeLessThan(new Set(identities).size); // case twins
  });

  it('a second crawl leaves the mirror equal, with no duplicate and no rewritten row', async () => {
    const [{ xmins }] = await h.db.dataSource.query(`SELECT string_agg(xmin::text, ',' ORDER BY sid) AS xmins FROM users`);
    const runs = await h.crawlAll();
    for (const r of runs) expect(r).toMatchObject({ status: 'succeeded', created: 0, updated: 0, unchanged: 1234, deleted: 0 });
    const [{ n, distinct }] = await h.db.dataSource.query(`SELECT count(*)::int AS n, count(DISTINCT sid)::int AS distinct FROM users`);
    expect([n, distinct]).toEqual([2468, 2468]);
    const [{ xmins: after }] = await h.db.dataSource.query(`SELECT string_agg(xmin::text, ',' ORDER BY sid) AS xmins FROM users`);
    expect(after).toBe(xmins); // not one tuple rewritten
    await expectMirrorEqualsUpstream();
    const [{ count }] = await h.db.dataSource.query(`SELECT count(*)::int AS count FROM user_events`);
    expect(count).toBe(2468); // one created event per user, none from the no-op crawl
  });

  it('serves the mirror through the read API', async () => {
    const [serviceSid] = h.sim.serviceSids;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `limit=500${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await fetch(`${h.mirror.url}/v1/services/${serviceSid}/users?${q}`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
      expect(res.status).toBe(200);
      const body: any = await res.json();
      seen.push(...body.users.map((u: any) => u.sid));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(h.sim.admin.exportUsers(serviceSid).map((u) => u.sid));
    const one = h.sim.admin.exportUsers(serviceSid)[42];
    const res = await fetch(`${h.mirror.url}/v1/users/${one.sid}`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
    const got: any = await res.json();
    expect(got).toMatchObject({ sid: one.sid, identity: one.identity, attributes: JSON.parse(one.attributes!) });
  });
});
