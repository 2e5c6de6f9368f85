import type { TwilioUser } from '@app/domain';
import { MirrorWriter, observeUsers } from '@app/mirror-writer';
import { ApiHarness, startApiWithWriter } from './support/api-harness';
import { ACCOUNT, insertService, sid } from './support/seed';

const IS = sid('IS', 0x5a);
const SCOPE = { accountSid: ACCOUNT, serviceSid: IS };

interface Held {
  version: number;
  friendly_name: string | null;
  identity: string | null;
}

/**
 * A new consumer's way in, under concurrent writes: it pages through GET /v1/services/{IS}/users, takes the first
 * page's as_of_sequence, then follows GET /v1/events from it, applying an event only when its data.version is above
 * the version of the row it holds (as docs/read-api.md says). At the end its copy equals the mirror, and it applied
 * each change at most once: nothing missed, nothing applied twice, however the writes fell between its reads.
 */
describe('snapshot, then follow: no gap, no overlap', () => {
  let api: ApiHarness;
  let writer: MirrorWriter;
  const live = new Map<string, TwilioUser>();
  let next = 1;

  const twilioUser = (n: number, name: string): TwilioUser => {
    const s = sid('US', n);
    return {
      sid: s,
      account_sid: ACCOUNT,
      chat_service_sid: IS,
      role_sid: null,
      identity: `user-${n}`,
      friendly_name: name,
      attributes: `{"n":${n}}`,
      is_online: null,
      is_notifiable: null,
      date_created: '2024-01-01T00:00:00Z',
      date_updated: new Date(Date.UTC(2024, 0, 1) + next * 1000).toISOString().replace('.000Z', 'Z'),
      url: null,
      links: null,
    };
  };
  const write = (users: TwilioUser[]) => writer.apply({ kind: 'fetched', scope: SCOPE, run: null, users: observeUsers(users, IS) });

  /** One round of changes: some users renamed, some created, some deleted. */
  async function round(r: number): Promise<void> {
    const sids = [...live.keys()];
    const renamed = Array.from({ length: 8 }, () => sids[Math.floor(Math.random() * sids.length)]);
    const changed = [...new Set(renamed)].map((s) => twilioUser(parseInt(s.slice(2), 16), `round ${r} ${s.slice(-4)}`));
    const created = Array.from({ length: 3 }, () => twilioUser(next++, `born in round ${r}`));
    await write([...changed, ...created]);
    for (const u of [...changed, ...created]) live.set(u.sid, u);
    const gone = sids.slice(0, 2).filter((s) => !renamed.includes(s));
    await writer.apply({ kind: 'gone', scope: SCOPE, run: null, sids: gone, readAt: Date.now() });
    for (const s of gone) live.delete(s);
  }

  beforeAll(async () => {
    ({ api, writer } = await startApiWithWriter('handoff', ACCOUNT));
    await insertService(api.db.dataSource, IS);
    const first = Array.from({ length: 400 }, () => twilioUser(next++, 'first'));
    await write(first);
    for (const u of first) live.set(u.sid, u);
  });
  afterAll(() => api?.close());

  it("a consumer's snapshot plus the feed from its as_of_sequence ends equal to the mirror, each change applied once", async () => {
    // The writer keeps changing users while the consumer reads its snapshot.
    let writing = true;
    const writes = (async () => {
      for (let r = 1; writing; r++) {
        await round(r);
        await new Promise((res) => setImmediate(res));
      }
    })();

    const copy = new Map<string, Held>();
    let asOf: string | null = null;
    let cursor: string | null = null;
    do {
      const page = await api.get(`/v1/services/${IS}/users?limit=25${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      asOf ??= page.body.as_of_sequence as string; // the first page's: the snapshot starts there
      expect(page.headers.get('x-mirror-sequence')).toBe(page.body.as_of_sequence);
      for (const u of page.body.users) copy.set(u.sid, { version: u.version, friendly_name: u.friendly_name, identity: u.identity });
      cursor = page.body.next_cursor;
      await new Promise((res) => setTimeout(res, 5)); // let the writer get between the pages
    } while (cursor);
    writing = false;
    await writes;

    // Follow the feed from the snapshot's sequence up to the last change.
    const [{ last }] = await api.db.dataSource.query('SELECT last::text AS last FROM event_sequence');
    expect(BigInt(last)).toBeGreaterThan(BigInt(asOf!)); // changes did happen during the snapshot
    const applied = new Map<string, number>(); // `${sid}@${version}` → times applied
    let after = asOf!;
    while (BigInt(after) < BigInt(last)) {
      const feed = await api.get(`/v1/events?after=${after}&limit=100&wait=5`);
      expect(feed.status).toBe(200);
      for (const e of feed.body.events) {
        const { op, after: user, version } = e.data;
        const held = copy.get(e.subject);
        if (held && version <= held.version) continue; // the row already reflects it
        if (op === 'deleted') {
          if (!held) continue; // deleted before this consumer ever held it
          copy.delete(e.subject);
        } else {
          copy.set(e.subject, { version, friendly_name: user.friendly_name, identity: user.identity });
        }
        const key = `${e.subject}@${version}`;
        applied.set(key, (applied.get(key) ?? 0) + 1);
      }
      after = feed.body.next_after;
    }

    expect([...applied.values()].every((n) => n === 1)).toBe(true);
    const mirror = await api.db.dataSource.query(
      'SELECT sid, version, friendly_name, identity FROM users WHERE chat_service_sid = $1 AND deleted_at IS NULL ORDER BY sid COLLATE "C"',
      [IS],
    );
    const held = [...copy.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([s, h]) => ({ sid: s, ...h }));
    expect(held).toEqual(mirror);
    expect(held.map((h) => h.sid)).toEqual([...live.keys()].sort());
  });
});
