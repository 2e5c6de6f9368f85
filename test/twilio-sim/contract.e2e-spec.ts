import { startSimulator, type RunningSimulator, type TwilioUser } from '@app/twilio-sim';
import { basicAuth, crawlUsers, twilioGet } from './support/sim-http';
import { TwilioSpec, explain } from './support/twilio-spec';

const SERVICES = '/v1/Services';
const SERVICE = '/v1/Services/{Sid}';
const USERS = '/v1/Services/{ChatServiceSid}/Users';
const USER = '/v1/Services/{ChatServiceSid}/Users/{Sid}';
const USER_SCHEMA = 'conversations.v1.service.service_user';
const SERVICE_SCHEMA = 'conversations.v1.service';

describe('twilio-sim contract (official OpenAPI schemas)', () => {
  const spec = new TwilioSpec();
  const errorShape = spec.error();
  let sim: RunningSimulator;
  let first: string;
  let second: string;
  let manual: TwilioUser;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 42 });
    first = sim.admin.createService({ friendlyName: 'Contract A' }).sid;
    second = sim.admin.createService({ friendlyName: null }).sid;
    sim.admin.bulkCreateUsers(first, { count: 320 });
    sim.admin.bulkCreateUsers(second, { count: 180 });
    manual = sim.admin.createUser(first, {
      identity: 'zoë/ünïcødé?#%+ 名前 🦄',
      friendlyName: null,
      attributes: { nested: { list: [1, 'two', { three: true }], n: -1.5 }, emoji: '🎉' },
      roleSid: null,
      isOnline: true,
      isNotifiable: false,
    });
  });

  afterAll(async () => {
    await sim.close();
  });

  function expectTwilioError(body: unknown, status: number, code: number): void {
    expect(errorShape(body)).toBe(true);
    expect(body).toMatchObject({ status, code, more_info: `https://www.twilio.com/docs/errors/${code}` });
  }

  function expectAbsoluteLinks(links: Record<string, string>): void {
    for (const value of Object.values(links)) expect(value.startsWith(`${sim.url}/v1/Services/`)).toBe(true);
  }

  test('the validators reject what Twilio would not send (so passing them means something)', () => {
    const exact = spec.component(USER_SCHEMA, true);
    const loose = spec.component(USER_SCHEMA);
    const good = { ...manual };
    expect(exact(good)).toBe(true);
    expect(loose({ ...good, sid: 'XX123' })).toBe(false);
    expect(loose({ ...good, attributes: { not: 'a string' } })).toBe(false);
    expect(loose({ ...good, date_created: '2019-12-16 22:18' })).toBe(false);
    expect(loose({ ...good, is_online: 'yes' })).toBe(false);
    expect(exact({ ...good, extra: 1 })).toBe(false);
    const { links: _links, ...withoutLinks } = good;
    expect(exact(withoutLinks)).toBe(false);
    expect(spec.response(USERS)({ users: [{ ...good, role_sid: 'RLnothex' }], meta: {} })).toBe(false);
    expect(errorShape({ code: 20404, message: 'x', more_info: 'https://www.twilio.com/docs/errors/20404', status: 404, extra: 1 })).toBe(false);
  });

  test('GET /v1/Services matches ListServiceResponse and the exact service fields', async () => {
    const validate = spec.response(SERVICES);
    const exact = spec.component(SERVICE_SCHEMA, true);
    const res = await twilioGet(sim, `${SERVICES}?PageSize=100`);
    expect(res.status).toBe(200);
    expect(validate(res.json)).toBe(true);
    expect(res.json.services.map((s: { sid: string }) => s.sid).sort()).toEqual([first, second].sort());
    for (const service of res.json.services) {
      expect(exact(service)).toBe(true);
      expectAbsoluteLinks(service.links);
    }
    expect(res.json.meta).toEqual({
      page: 0,
      page_size: 100,
      first_page_url: `${sim.url}/v1/Services?PageSize=100&Page=0`,
      previous_page_url: null,
      url: `${sim.url}/v1/Services?PageSize=100&Page=0`,
      next_page_url: null,
      key: 'services',
    });
  });

  test('GET /v1/Services pages with PageSize=1 and rejects PageSize=101', async () => {
    const one = await twilioGet(sim, `${SERVICES}?PageSize=1`);
    expect(spec.response(SERVICES)(one.json)).toBe(true);
    expect(one.json.services).toHaveLength(1);
    const two = await twilioGet(sim, one.json.meta.next_page_url);
    expect(two.json.services).toHaveLength(1);
    expect(two.json.meta.next_page_url).toBeNull();
    expect(two.json.services[0].sid).not.toBe(one.json.services[0].sid);
    const tooBig = await twilioGet(sim, `${SERVICES}?PageSize=101`);
    expect(tooBig.status).toBe(400);
    expectTwilioError(tooBig.json, 400, 20001);
  });

  test('GET /v1/Services/{Sid} matches the service schema', async () => {
    const res = await twilioGet(sim, `/v1/Services/${second}`);
    expect(res.status).toBe(200);
    expect(spec.response(SERVICE)(res.json)).toBe(true);
    expect(spec.component(SERVICE_SCHEMA, true)(res.json)).toBe(true);
    expect(res.json).toMatchObject({ sid: second, account_sid: sim.accountSid, friendly_name: null, url: `${sim.url}/v1/Services/${second}` });
  });

  test('every users page validates, and following next_page_url yields each user exactly once', async () => {
    const validate = spec.response(USERS);
    const exact = spec.component(USER_SCHEMA, true);
    const pages = await crawlUsers(sim, first);
    expect(pages).toHaveLength(Math.ceil(321 / 50));
    const seen: string[] = [];
    pages.forEach((page, index) => {
      expect(validate(page.json)).toBe(true);
      expect(page.json.meta.page).toBe(index);
      expect(page.json.meta.key).toBe('users');
      expect(page.json.meta.previous_page_url === null).toBe(index === 0);
      for (const user of page.json.users as TwilioUser[]) {
        const { sid } = user;
        expect(exact(user) || `${sid}: ${explain(exact)}`).toBe(true);
        expect(user.is_online).toBeNull();
        expect(user.is_notifiable).toBeNull();
        expect(user.url).toBe(`${sim.url}/v1/Services/${first}/Users/${user.sid}`);
        expect(user.links).toEqual({ user_conversations: `${user.url}/Conversations` });
        expect(() => JSON.parse(user.attributes)).not.toThrow();
        seen.push(user.sid);
      }
    });
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(sim.admin.exportUsers(first).map((u) => u.sid));
    expect(seen).toContain(manual.sid);
  });

  test('page URLs are absolute, built from the request origin, with an opaque PageToken', async () => {
    const page0 = await twilioGet(sim, `/v1/Services/${second}/Users?PageSize=20`);
    const base = `${sim.url}/v1/Services/${second}/Users`;
    expect(page0.json.meta.first_page_url).toBe(`${base}?PageSize=20&Page=0`);
    expect(page0.json.meta.url).toBe(`${base}?PageSize=20&Page=0`);
    expect(page0.json.meta.next_page_url).toMatch(new RegExp(`^${base.replace(/[.?]/g, '\\$&')}\\?PageSize=20&Page=1&PageToken=PT[A-Za-z0-9_-]+$`));
    const page1 = await twilioGet(sim, page0.json.meta.next_page_url);
    expect(page1.json.meta.url).toBe(page0.json.meta.next_page_url);
    expect(page1.json.meta.previous_page_url).toBe(page0.json.meta.first_page_url);

    const other = await fetch(page0.json.meta.next_page_url.replace('127.0.0.1', 'localhost'), {
      headers: { authorization: basicAuth(sim.accountSid, sim.authToken) },
    });
    const body = (await other.json()) as { meta: { url: string } };
    expect(body.meta.url.startsWith(`http://localhost:${sim.port}/`)).toBe(true);
  });

  test('previous_page_url leads back to the previous page on deep pages', async () => {
    const pages = await crawlUsers(sim, second, 7);
    expect(pages.length).toBeGreaterThan(20);
    const page5 = pages[5];
    const back = await twilioGet(sim, page5.json.meta.previous_page_url);
    expect(back.status).toBe(200);
    expect(spec.response(USERS)(back.json)).toBe(true);
    expect(back.json.meta.page).toBe(4);
    expect(back.json.users.map((u: TwilioUser) => u.sid)).toEqual(pages[4].json.users.map((u: TwilioUser) => u.sid));
    const last = pages[pages.length - 1];
    expect(last.json.meta.next_page_url).toBeNull();
    expect(last.json.users.length).toBe(180 - 7 * (pages.length - 1));
  });

  test('GET /Users/{Sid} by sid and by URL-encoded identity returns the stored presence', async () => {
    const validate = spec.response(USER);
    const exact = spec.component(USER_SCHEMA, true);
    for (const key of [manual.sid, encodeURIComponent(manual.identity)]) {
      const res = await twilioGet(sim, `/v1/Services/${first}/Users/${key}`);
      expect(res.status).toBe(200);
      expect(validate(res.json)).toBe(true);
      expect(exact(res.json)).toBe(true);
      expect(res.json).toEqual(manual);
      expect(res.json).toMatchObject({ is_online: true, is_notifiable: false, friendly_name: null, role_sid: null });
      expect(JSON.parse(res.json.attributes)).toEqual({ nested: { list: [1, 'two', { three: true }], n: -1.5 }, emoji: '🎉' });
    }
  });

  test('user fields come in the spec order with Twilio date format', async () => {
    const res = await twilioGet(sim, `/v1/Services/${first}/Users?PageSize=5`);
    for (const user of res.json.users) {
      expect(Object.keys(user)).toEqual(spec.properties(USER_SCHEMA));
      expect(user.date_created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(user.date_updated >= user.date_created).toBe(true);
      expect(user.sid).toMatch(/^US[0-9a-f]{32}$/);
    }
  });

  describe('errors have exactly {code, message, more_info, status}', () => {
    const users = (): string => `/v1/Services/${first}/Users`;

    test.each([
      ['PageSize=0', 'PageSize=0'],
      ['PageSize=51', 'PageSize=51'],
      ['PageSize=abc', 'PageSize=abc'],
      ['PageSize=2.5', 'PageSize=2.5'],
      ['PageSize empty', 'PageSize='],
      ['PageSize twice', 'PageSize=5&PageSize=6'],
      ['Page without token', 'Page=2'],
      ['negative Page', 'Page=-1'],
      ['garbled token', 'PageToken=PT%%%'],
      ['token that is not base64 of a cursor', `PageToken=PT${Buffer.from('hello').toString('base64url')}`],
      ['token with wrong prefix', 'PageToken=XXabc'],
    ])('400/20001 for %s', async (_name, query) => {
      const res = await twilioGet(sim, `${users()}?${query}`);
      expect(res.status).toBe(400);
      expectTwilioError(res.json, 400, 20001);
    });

    test('400/20001 for a token of another service, a tampered token, or a Page contradicting it', async () => {
      const next = (await twilioGet(sim, `${users()}?PageSize=10`)).json.meta.next_page_url as string;
      const token = new URL(next).searchParams.get('PageToken') as string;
      const foreign = await twilioGet(sim, `/v1/Services/${second}/Users?PageSize=10&PageToken=${token}`);
      expectTwilioError(foreign.json, 400, 20001);
      const tampered = await twilioGet(sim, `${users()}?PageSize=10&PageToken=${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}A`);
      expectTwilioError(tampered.json, 400, 20001);
      const mismatch = await twilioGet(sim, next.replace('Page=1', 'Page=3'));
      expectTwilioError(mismatch.json, 400, 20001);
      expect((await twilioGet(sim, next)).status).toBe(200);
    });

    test('400/20001 for a malformed service sid', async () => {
      for (const path of ['/v1/Services/ISnothex/Users', '/v1/Services/IS123', '/v1/Services/AC11111111111111111111111111111111']) {
        const res = await twilioGet(sim, path);
        expect(res.status).toBe(400);
        expectTwilioError(res.json, 400, 20001);
      }
    });

    test('401/20003 "Authenticate" without or with wrong credentials', async () => {
      for (const auth of [null, basicAuth(sim.accountSid, 'wrong'), basicAuth('ACffffffffffffffffffffffffffffffff', sim.authToken), 'Bearer x']) {
        const res = await twilioGet(sim, users(), auth);
        expect(res.status).toBe(401);
        expectTwilioError(res.json, 401, 20003);
        expect(res.json.message).toBe('Authenticate');
      }
    });

    test('404/20404 naming the requested resource', async () => {
      const missingService = '/v1/Services/ISffffffffffffffffffffffffffffffff/Users';
      const cases = [missingService, '/v1/Services/ISffffffffffffffffffffffffffffffff', `${users()}/USffffffffffffffffffffffffffffffff`, `${users()}/no%20such%20identity`, '/v1/Nothing'];
      for (const path of cases) {
        const res = await twilioGet(sim, path);
        expect(res.status).toBe(404);
        expectTwilioError(res.json, 404, 20404);
        expect(res.json.message).toBe(`The requested resource ${path} was not found`);
      }
    });
  });
});
