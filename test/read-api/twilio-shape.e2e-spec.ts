import { explain, TwilioSpec } from '../twilio-sim/support/twilio-spec';
import { API_TOKEN, ApiHarness, startApi } from './support/api-harness';
import { basic, rawRequest } from './support/raw-http';
import { ACCOUNT, insertService, insertUsers, sid } from './support/seed';

const IS = sid('IS', 0x51);
const OTHER = sid('IS', 0x52);
// The account the seeded services belong to: the Twilio surface answers for the Basic user name's account only.
const AUTH = basic(ACCOUNT, API_TOKEN);
const USERS_PATH = '/v1/Services/{ChatServiceSid}/Users';

/** The JSON of the Twilio-compatible surface, byte for byte where Twilio's shape is fixed, checked against Twilio's OpenAPI spec. */
describe('Twilio-compatible surface: JSON shape, paging and errors', () => {
  let api: ApiHarness;
  let spec: TwilioSpec;
  const get = (path: string, headers: Record<string, string> = {}) => rawRequest(api.url, { path: `/twilio${path}`, headers: { authorization: AUTH, ...headers } });

  beforeAll(async () => {
    spec = new TwilioSpec();
    api = await startApi('twshape');
    await insertService(api.db.dataSource, IS);
    await insertService(api.db.dataSource, OTHER);
    await insertUsers(
      api.db.dataSource,
      Array.from({ length: 11 }, (_, i) => ({
        sid: sid('US', i + 1),
        chat_service_sid: IS,
        identity: `user ${i}/x`,
        friendly_name: i === 0 ? null : `User ${i}`,
        role_sid: sid('RL', 1),
        attributes: { n: i, nested: { ok: true } },
        date_created: '2019-12-16T22:18:37Z',
        date_updated: '2019-12-16T22:18:38Z',
        deleted_at: i === 5 ? '2025-01-01T00:00:00Z' : null,
      })),
    );
    // Text straight into jsonb: a JavaScript number would already have rounded the big one.
    await api.db.dataSource.query(
      `UPDATE users SET is_online = true, is_notifiable = false, attributes = '{"n": 1, "big": 12345678901234567890, "nested": {"ok": true}}' WHERE sid = $1`,
      [sid('US', 2)],
    );
  });
  afterAll(() => api?.close());

  it("lists in Twilio's exact shape, valid against Twilio's OpenAPI spec, with URLs on the mirror", async () => {
    const r = await get(`/v1/Services/${IS}/Users?PageSize=4`, { host: 'mirror.internal:8080' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    const body = r.json();
    const validate = spec.response(USERS_PATH);
    expect({ valid: validate(body), errors: explain(validate) }).toEqual({ valid: true, errors: '[]' });
    const exactUser = spec.component('conversations.v1.service.service_user', true);
    for (const u of body.users) expect({ valid: exactUser(u), errors: explain(exactUser) }).toEqual({ valid: true, errors: '[]' });
    expect(Object.keys(body.users[0])).toEqual(spec.properties('conversations.v1.service.service_user'));
    const listUrl = `http://mirror.internal:8080/twilio/v1/Services/${IS}/Users`;
    expect(body.users[1]).toEqual({
      sid: sid('US', 2),
      account_sid: 'AC' + 'a'.repeat(32),
      chat_service_sid: IS,
      role_sid: sid('RL', 1),
      identity: 'user 1/x',
      friendly_name: 'User 1',
      attributes: expect.any(String),
      is_online: null,
      is_notifiable: null,
      date_created: '2019-12-16T22:18:37Z',
      date_updated: '2019-12-16T22:18:38Z',
      url: `${listUrl}/${sid('US', 2)}`,
      links: { user_conversations: `${listUrl}/${sid('US', 2)}/Conversations` },
    });
    expect(JSON.parse(body.users[1].attributes)).toEqual({ n: 1, big: 12345678901234567890, nested: { ok: true } });
    // The number is kept as Postgres stored it, not rounded through a double.
    expect(body.users[1].attributes).toContain('12345678901234567890');
    expect(body.users[0].friendly_name).toBeNull();
    expect(body.meta).toEqual({
      page: 0,
      page_size: 4,
      first_page_url: `${listUrl}?PageSize=4&Page=0`,
      previous_page_url: null,
      url: `${listUrl}?PageSize=4&Page=0`,
      next_page_url: expect.stringMatching(new RegExp(`^${listUrl.replace(/[.?]/g, '\\$&')}\\?PageSize=4&Page=1&PageToken=PT[A-Za-z0-9_-]+$`)),
      key: 'users',
    });
  });

  it('pages forward to the end and back again, never listing a deleted user', async () => {
    const forward: string[][] = [];
    let url: string | null = `/v1/Services/${IS}/Users?PageSize=4`;
    const metas: any[] = [];
    while (url) {
      const body = (await get(url)).json();
      forward.push(body.users.map((u: any) => u.sid));
      metas.push(body.meta);
      url = body.meta.next_page_url ? body.meta.next_page_url.replace(/^http:\/\/[^/]+\/twilio/, '') : null;
    }
    const live = Array.from({ length: 11 }, (_, i) => sid('US', i + 1)).filter((s) => s !== sid('US', 6));
    expect(forward).toEqual([live.slice(0, 4), live.slice(4, 8), live.slice(8)]);
    expect(metas.map((m) => m.page)).toEqual([0, 1, 2]);
    expect(metas[2].next_page_url).toBeNull();
    // previous_page_url of the last page gives back the middle page.
    const back = (await get(metas[2].previous_page_url.replace(/^http:\/\/[^/]+\/twilio/, ''))).json();
    expect(back.users.map((u: any) => u.sid)).toEqual(live.slice(4, 8));
    expect(back.meta.page).toBe(1);
    expect(back.meta.next_page_url).toEqual(expect.stringContaining('Page=2&PageToken='));
  });

  it('fetches with presence, by sid or identity, and 404s a deleted or unknown user', async () => {
    const r = await get(`/v1/Services/${IS}/Users/${sid('US', 2)}`);
    expect(r.json()).toMatchObject({ sid: sid('US', 2), is_online: true, is_notifiable: false });
    expect((await get(`/v1/Services/${IS}/Users/${encodeURIComponent('user 3/x')}`)).json().sid).toBe(sid('US', 4));
    for (const key of [sid('US', 6), encodeURIComponent('user 5/x'), 'nobody']) {
      const missing = await get(`/v1/Services/${IS}/Users/${key}`);
      expect(missing.status).toBe(404);
      expect(missing.json()).toEqual({
        code: 20404,
        message: expect.stringMatching(/^The requested resource \/Services\/IS[0-9a-f]{32}\/Users\/.+ was not found$/),
        more_info: 'https://www.twilio.com/docs/errors/20404',
        status: 404,
      });
    }
  });

  it('serves PageSize 1 to 50 (larger as 50) and refuses a malformed PageSize, Page or PageToken with 400/20001', async () => {
    expect((await get(`/v1/Services/${IS}/Users`)).json().meta.page_size).toBe(50);
    expect((await get(`/v1/Services/${IS}/Users?PageSize=1`)).json().users).toHaveLength(1);
    expect((await get(`/v1/Services/${IS}/Users?PageSize=500`)).json().meta.page_size).toBe(50);
    const otherToken = (await get(`/v1/Services/${OTHER}/Users?PageSize=1`)).json().meta.next_page_url;
    expect(otherToken).toBeNull(); // no users there: build a token of IS and replay it on OTHER instead
    const isToken = new URL((await get(`/v1/Services/${IS}/Users?PageSize=1`)).json().meta.next_page_url).searchParams.get('PageToken');
    for (const query of ['PageSize=0', 'PageSize=-1', 'PageSize=abc', 'PageSize=1.5', 'PageSize=1&PageSize=2', 'Page=x', 'PageToken=garbage', `PageToken=${isToken}x`]) {
      const r = await get(`/v1/Services/${IS}/Users?${query}`);
      expect({ query, status: r.status, code: r.json().code }).toEqual({ query, status: 400, code: 20001 });
      expect(r.json().message).toMatch(/^Invalid (PageSize|Page|PageToken)/);
    }
    const replayed = await get(`/v1/Services/${OTHER}/Users?PageToken=${isToken}`);
    expect(replayed.status).toBe(400);
    const badSid = await get(`/v1/Services/IS123/Users`);
    expect(badSid.json()).toMatchObject({ status: 400, code: 20001, message: expect.stringMatching(/not a valid IS sid/) });
    const unknown = await get(`/v1/Services/${sid('IS', 0x99)}/Users`);
    expect(unknown.json()).toMatchObject({ status: 404, code: 20404 });
    expect(spec.error()(unknown.json())).toBe(true);
  });

  it('answers 401/20003 in Twilio shape, with a Basic challenge, for missing or wrong credentials', async () => {
    const cases: Record<string, string>[] = [
      {},
      { authorization: basic('AC' + '1'.repeat(32), 'wrong-token-123') },
      { authorization: basic('not-an-account', API_TOKEN) },
      { authorization: basic('AC' + '1'.repeat(32), '') },
      { authorization: 'Basic !!!' },
      { authorization: `Bearer wrong-token-123` },
    ];
    for (const headers of cases) {
      const r = await rawRequest(api.url, { path: `/twilio/v1/Services/${IS}/Users`, headers });
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Basic realm="Twilio API"');
      // Twilio's own 401, byte for byte (its keys in its order, `detail` included).
      expect(r.text).toBe(
        '{"code":20003,"detail":"Your AccountSid or AuthToken was incorrect.","message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}',
      );
      expect(r.text).not.toContain(API_TOKEN);
      expect(r.text).not.toContain('wrong-token-123');
    }
    // A bearer token works here too, for callers that are not the SDK.
    expect((await rawRequest(api.url, { path: `/twilio/v1/Services/${IS}/Users`, headers: { authorization: `Bearer ${API_TOKEN}` } })).status).toBe(200);
  });

  it("answers a service of another account than the user name's as Twilio does: 404/20404, as if it did not exist", async () => {
    const otherAccount = basic('AC' + '1'.repeat(32), API_TOKEN);
    for (const path of [`/twilio/v1/Services/${IS}/Users`, `/twilio/v1/Services/${IS}/Users/${sid('US', 2)}`]) {
      const r = await rawRequest(api.url, { path, headers: { authorization: otherAccount } });
      const unknown = await rawRequest(api.url, { path: path.replace(IS, sid('IS', 0x99)), headers: { authorization: AUTH } });
      expect(r.status).toBe(404);
      expect(r.json()).toEqual({ ...unknown.json(), message: unknown.json().message.replace(sid('IS', 0x99), IS) });
      expect(r.json()).toEqual({
        code: 20404,
        message: `The requested resource ${path.replace('/twilio/v1', '')} was not found`,
        more_info: 'https://www.twilio.com/docs/errors/20404',
        status: 404,
      });
    }
  });

  it('refuses writes with 405/20004 and unknown routes with 404/20404, in Twilio shape', async () => {
    const post = await rawRequest(api.url, { method: 'POST', path: `/twilio/v1/Services/${IS}/Users`, headers: { authorization: AUTH } });
    expect(post.json()).toMatchObject({ status: 405, code: 20004, message: expect.stringMatching(/read-only/) });
    const route = await rawRequest(api.url, { path: `/twilio/v1/Services/${IS}/Roles`, headers: { authorization: AUTH } });
    expect(route.json()).toMatchObject({ status: 404, code: 20404 });
  });

  it('builds URLs on a safe origin only: a forged Host header falls back to the listening address', async () => {
    const r = await get(`/v1/Services/${IS}/Users?PageSize=1`, { host: 'evil.example/path?x=' });
    expect(r.status).toBe(200);
    expect(r.json().meta.url.startsWith(`http://127.0.0.1:${new URL(api.url).port}/twilio/`)).toBe(true);
  });

  it("believes X-Forwarded-Proto/-Host only from a proxy TRUST_PROXY names, so paging URLs work behind it", async () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'mirror.example.com' };
    const ignored = await get(`/v1/Services/${IS}/Users?PageSize=1`, forwarded);
    expect(ignored.json().meta.next_page_url.startsWith(`http://127.0.0.1:${new URL(api.url).port}/twilio/`)).toBe(true);

    const behindProxy = await startApi('twproxy', { TRUST_PROXY: 'loopback' });
    try {
      await insertService(behindProxy.db.dataSource, IS);
      await insertUsers(behindProxy.db.dataSource, [1, 2].map((i) => ({ sid: sid('US', i), chat_service_sid: IS })));
      const r = await rawRequest(behindProxy.url, { path: `/twilio/v1/Services/${IS}/Users?PageSize=1`, headers: { authorization: AUTH, ...forwarded } });
      const body = r.json();
      expect({ url: body.meta.url, next: body.meta.next_page_url.split('?')[0], user: body.users[0].url }).toEqual({
        url: `https://mirror.example.com/twilio/v1/Services/${IS}/Users?PageSize=1&Page=0`,
        next: `https://mirror.example.com/twilio/v1/Services/${IS}/Users`,
        user: `https://mirror.example.com/twilio/v1/Services/${IS}/Users/${sid('US', 1)}`,
      });
      // A forwarded host is still client input: one that is not a plain host falls back to the listening address.
      const forged = await rawRequest(behindProxy.url, {
        path: `/twilio/v1/Services/${IS}/Users?PageSize=1`,
        headers: { authorization: AUTH, 'x-forwarded-host': 'evil.example/path?x=' },
      });
      expect(forged.json().meta.url.startsWith(`http://127.0.0.1:${new URL(behindProxy.url).port}/twilio/`)).toBe(true);
    } finally {
      await behindProxy.close();
    }
  });
});
