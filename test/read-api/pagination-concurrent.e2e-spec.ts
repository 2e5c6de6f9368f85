import * as http from 'node:http';
import { MirrorWriter, observeUsers } from '@app/mirror-writer';
import type { TwilioUser } from '@app/twilio';
import { API_TOKEN, ApiHarness, startApiWithWriter } from './support/api-harness';
import { basic, rawRequest } from './support/raw-http';
import { ACCOUNT, insertService, insertUsers, randomSid, sid } from './support/seed';

const IS = sid('IS', 0xc0);
const RL_A = sid('RL', 0xa);
const RL_B = sid('RL', 0xb);
const INITIAL = 2_000;

/**
 * Keyset pages stay correct while the crawler writes: readers page through the service while a writer
 * rewrites users through the crawl's own MirrorWriter (new row versions, moved identities), creates users
 * on both sides of every cursor, and tombstones others. No pass may repeat a user, and every user that
 * existed throughout and was never deleted must appear exactly once.
 */
describe('read API: pagination under concurrent writes', () => {
  let api: ApiHarness;
  let writer: MirrorWriter;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const initial = Array.from({ length: INITIAL }, () => randomSid('US')).sort();
  const roleOf = new Map(initial.map((s, i) => [s, i % 3 === 0 ? RL_A : RL_B]));
  const created = new Set<string>();
  const deleted = new Set<string>();
  let writes = 0;
  let stop = false;

  function twilioUser(s: string, version: number): TwilioUser {
    return {
      sid: s,
      account_sid: ACCOUNT,
      chat_service_sid: IS,
      role_sid: roleOf.get(s) ?? RL_B,
      // The identity moves on every rewrite: order by identity would make users jump across a cursor.
      identity: `${(version * 7919) % 1000}-${s.slice(-6)}`,
      friendly_name: `v${version}`,
      attributes: JSON.stringify({ version }),
      is_online: null,
      is_notifiable: null,
      date_created: '2024-01-01T00:00:00Z',
      date_updated: new Date(Date.UTC(2024, 0, 1) + version * 1000).toISOString().replace('.000Z', 'Z'),
      url: `https://conversations.twilio.com/v1/Services/${IS}/Users/${s}`,
      links: null,
    };
  }

  async function writeLoop(): Promise<void> {
    const scope = { accountSid: ACCOUNT, serviceSid: IS };
    const run = { runId: '0', crawlId: '0' };
    for (let round = 1; !stop; round++) {
      const touched = Array.from({ length: 40 }, () => initial[Math.floor(Math.random() * initial.length)]);
      const fresh = Array.from({ length: 5 }, () => randomSid('US'));
      fresh.forEach((s) => created.add(s));
      const items = [...new Set(touched)].map((s) => twilioUser(s, round)).concat(fresh.map((s) => twilioUser(s, round)));
      await writer.apply({
        kind: 'page',
        scope,
        run,
        users: observeUsers(items, IS),
        rejected: [],
        nextUrl: null,
        attempts: { requests: 1, throttled: 0, retries: 0 },
        expectUnchanged: false,
      });
      if (round % 4 === 0) {
        const victims = Array.from({ length: 3 }, () => initial[Math.floor(Math.random() * initial.length)]);
        victims.forEach((s) => deleted.add(s));
        // As the deletion sweep tombstones: the row stays, deleted_at and changed_at move.
        await api.db.dataSource.query(
          'UPDATE users SET deleted_at = now(), changed_at = now(), version = version + 1 WHERE sid = ANY($1) AND deleted_at IS NULL',
          [victims],
        );
      }
      writes++;
    }
  }

  /** One full pass; returns the sids in the order served. */
  async function pass(firstPath: string, next: (body: any) => string | null, headers: Record<string, string>): Promise<string[]> {
    const seen: string[] = [];
    let path: string | null = firstPath;
    while (path) {
      const r = await rawRequest(api.url, { path, headers, agent });
      expect(r.status).toBe(200);
      const body = r.json();
      seen.push(...body.users.map((u: any) => u.sid));
      path = next(body);
      await new Promise((res) => setTimeout(res, 3)); // let the writer interleave
    }
    return seen;
  }

  const v1Pass = (query: string) =>
    pass(`/v1/services/${IS}/users?limit=37${query}`, (b) => (b.next_cursor ? `/v1/services/${IS}/users?limit=37${query}&cursor=${b.next_cursor}` : null), {
      authorization: `Bearer ${API_TOKEN}`,
    });
  const twilioPass = () =>
    pass(`/twilio/v1/Services/${IS}/Users?PageSize=50`, (b) => (b.meta.next_page_url ? new URL(b.meta.next_page_url).pathname + new URL(b.meta.next_page_url).search : null), {
      authorization: basic(ACCOUNT, API_TOKEN),
    });

  function check(name: string, served: string[], expected: string[]) {
    const unique = new Set(served);
    expect({ name, repeated: served.length - unique.size }).toEqual({ name, repeated: 0 });
    expect([...served].sort()).toEqual(served); // sid order, page after page
    const missing = expected.filter((s) => !deleted.has(s) && !unique.has(s));
    expect({ name, missing }).toEqual({ name, missing: [] });
    const unknown = served.filter((s) => !roleOf.has(s) && !created.has(s));
    expect({ name, unknown }).toEqual({ name, unknown: [] });
  }

  beforeAll(async () => {
    ({ api, writer } = await startApiWithWriter('concurrent', ACCOUNT));
    await insertService(api.db.dataSource, IS);
    await insertUsers(api.db.dataSource, initial.map((s) => ({ sid: s, chat_service_sid: IS, role_sid: roleOf.get(s)!, identity: s.toLowerCase() })));
  });
  afterAll(async () => {
    stop = true;
    agent.destroy();
    await api?.close();
  });

  it('serves every user exactly once per pass while users are rewritten, created and deleted', async () => {
    const writing = writeLoop();
    const before = writes;
    const [plain, again, roleA, twilio] = await Promise.all([v1Pass(''), v1Pass(''), v1Pass(`&role_sid=${RL_A}`), twilioPass()]);
    const during = writes - before;
    stop = true;
    await writing;
    // The passes really overlapped the writes.
    expect(during).toBeGreaterThanOrEqual(10);
    expect(deleted.size).toBeGreaterThan(0);
    check('v1', plain, initial);
    check('v1 again', again, initial);
    check('v1 role filter', roleA, initial.filter((s) => roleOf.get(s) === RL_A));
    expect(roleA.every((s) => (roleOf.get(s) ?? RL_B) === RL_A)).toBe(true);
    check('twilio', twilio, initial);
    // After the writes, one quiet pass gives exactly the live users.
    const rows: { sid: string }[] = await api.db.dataSource.query('SELECT sid FROM users WHERE chat_service_sid = $1 AND deleted_at IS NULL ORDER BY sid', [IS]);
    expect(await v1Pass('')).toEqual(rows.map((r) => r.sid));
  });
});
