import twilio from 'twilio';
import type { TwilioUser } from '@app/twilio-sim';
import { Harness, startHarness, TEST_API_TOKEN } from '../support/mirror-harness';
import { basic, rawRequest } from './support/raw-http';

const AWKWARD = ['a/b?c=%20&d+e#f g', ' spaced out ', '100% sure?', 'x+y@example.com', '#hash/tag', 'ünï/cødé ✓'];
/** Attributes texts JSON-equal to simpler ones, which a mirror re-serialising them would not give back as they are. */
const EXACT = [
  '{ "duty": "tech" }',
  ' {\n\t"z": 1,   "a": [ 1.50, 2e3, -0.0 ],\n  "nested": { "b": null, "a": true } }  ',
  '{"name":"\\u00e9l\\u00e8ve \\ud83d\\ude00","esc":"tab\\there \\"quoted\\" \\/slash","big":12345678901234567890123}',
  '{"b":2,"a":1,"b2":{"y":[],"x":{}}}',
];
const ACCOUNT_B = 'AC' + 'b'.repeat(32);
const ACCOUNT_B_TOKEN = 'account-b-auth-token';
const KEY_B = 'SK' + 'b'.repeat(32);
/** Read-only, account B only; on the Twilio surface also under the API key KEY_B. */
const B_TOKEN = 'account-b-read-token';

/**
 * The official twilio SDK, pointed at the mirror instead of Twilio, reads what the simulator holds:
 * simulator → crawl (scheduler, BullMQ, worker) → Postgres → /twilio surface → SDK. Two accounts: as on Twilio, an
 * account's credentials see that account's services, and another account's are 404.
 */
describe('Twilio-compatible surface, driven by the official twilio SDK', () => {
  let h: Harness;
  let client: twilio.Twilio;
  let serviceSid: string;
  let serviceB: string;

  /** The SDK's view of a user, as plain data, to compare with the simulator's export. */
  function sdkView(u: any) {
    return {
      sid: u.sid,
      accountSid: u.accountSid,
      chatServiceSid: u.chatServiceSid,
      roleSid: u.roleSid,
      identity: u.identity,
      friendlyName: u.friendlyName,
      attributes: u.attributes,
      dateCreated: u.dateCreated.toISOString(),
      dateUpdated: u.dateUpdated.toISOString(),
      url: u.url,
      links: u.links,
    };
  }

  function expected(u: TwilioUser) {
    const url = `${h.mirror.url}/twilio/v1/Services/${u.chat_service_sid}/Users/${u.sid}`;
    return {
      sid: u.sid,
      accountSid: u.account_sid,
      chatServiceSid: u.chat_service_sid,
      roleSid: u.role_sid,
      identity: u.identity,
      friendlyName: u.friendly_name,
      // Twilio's string, byte for byte: whitespace, key order, escapes.
      attributes: u.attributes,
      dateCreated: new Date(u.date_created!).toISOString(),
      dateUpdated: new Date(u.date_updated!).toISOString(),
      url,
      links: { user_conversations: `${url}/Conversations` },
    };
  }

  function sdk(user: string, password: string, accountSid?: string): twilio.Twilio {
    const c = twilio(user, password, accountSid ? { accountSid } : {});
    c.conversations.baseUrl = `${h.mirror.url}/twilio`;
    return c;
  }

  beforeAll(async () => {
    h = await startHarness('readapi_sdk', {
      sim: { services: '2x230', seed: 21 },
      roles: 'api,worker,scheduler',
      env: {
        TWILIO_ACCOUNTS: `${ACCOUNT_B}:${ACCOUNT_B_TOKEN}`,
        API_TOKENS: `${TEST_API_TOKEN},b-reader:${B_TOKEN}:read@${ACCOUNT_B}+${KEY_B}=${ACCOUNT_B}`,
      },
    });
    serviceSid = h.sim.serviceSids[0];
    for (const [i, identity] of AWKWARD.entries()) {
      h.sim.admin.createUser(serviceSid, { identity, friendlyName: `Awkward ${i}`, attributes: `{ "awkward": ${i}, "nested": {"k": [1, 2.5, "x"]} }` });
    }
    for (const [i, attributes] of EXACT.entries()) h.sim.admin.createUser(serviceSid, { identity: `exact-${i}`, attributes });
    h.sim.admin.createAccount({ accountSid: ACCOUNT_B, authToken: ACCOUNT_B_TOKEN });
    serviceB = h.sim.admin.createService({ accountSid: ACCOUNT_B, friendlyName: 'Account B service' }).sid;
    h.sim.admin.bulkCreateUsers(serviceB, { count: 12 });
    const runs = await h.crawlAll();
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // The account's sid as user name, an API token as password: what the SDK sends as HTTP Basic.
    client = sdk(h.sim.accountSid, TEST_API_TOKEN);
  });
  afterAll(() => h?.close());

  it('lists every user of the service over several pages, equal to the simulator, attributes byte for byte', async () => {
    const upstream = h.sim.admin.exportUsers(serviceSid);
    expect(upstream.length).toBe(240);
    const listed = await client.conversations.v1.services(serviceSid).users.list({ pageSize: 50 });
    expect(listed.map(sdkView)).toEqual([...upstream].sort((a, b) => (a.sid < b.sid ? -1 : 1)).map(expected));
    // Twilio's list never reports presence.
    expect(listed.every((u) => u.isOnline === null && u.isNotifiable === null)).toBe(true);
  });

  it('serves attributes exactly as Twilio sent them, and a new spelling of the same value without an event', async () => {
    for (const [i, text] of EXACT.entries()) {
      const fetched = await client.conversations.v1.services(serviceSid).users(`exact-${i}`).fetch();
      expect(fetched.attributes).toBe(text);
    }
    // Re-serialised upstream (same value, keys in another order, date_updated untouched): the text follows, nothing
    // is announced, the version and changed_at stay.
    const victim = h.sim.admin.exportUsers(serviceSid).find((u) => u.identity === 'exact-3')!;
    const rewritten = h.sim.admin.reorderAttributes(serviceSid, victim.sid, { touch: false });
    expect(rewritten.attributes).not.toBe(victim.attributes);
    const [before] = await h.db.dataSource.query('SELECT version, changed_at FROM users WHERE sid = $1', [victim.sid]);
    const [{ last: seq }] = await h.db.dataSource.query('SELECT last::text FROM event_sequence');
    await h.crawl([serviceSid]);
    expect((await client.conversations.v1.services(serviceSid).users(victim.sid).fetch()).attributes).toBe(rewritten.attributes);
    expect(await h.db.dataSource.query('SELECT version, changed_at FROM users WHERE sid = $1', [victim.sid])).toEqual([before]);
    expect(await h.db.dataSource.query('SELECT last::text FROM event_sequence')).toEqual([{ last: seq }]);
  });

  it('follows next_page_url on the mirror page by page', async () => {
    let page: { instances: { sid: string }[]; nextPageUrl?: string; nextPage(): Promise<any> | undefined } = await client.conversations.v1.services(serviceSid).users.page({ pageSize: 40 });
    const sids: string[] = [];
    let pages = 0;
    for (;;) {
      pages++;
      sids.push(...page.instances.map((u) => u.sid));
      expect(page.nextPageUrl === undefined || page.nextPageUrl.startsWith(`${h.mirror.url}/twilio/v1/Services/${serviceSid}/Users?PageSize=40&Page=${pages}&PageToken=PT`)).toBe(true);
      const next = await page.nextPage();
      if (!next) break;
      page = next;
    }
    expect(pages).toBe(6);
    expect(new Set(sids).size).toBe(240);
    // A limit larger than Twilio's page size is served 50 at a time, as Twilio does.
    const limited = await client.conversations.v1.services(serviceSid).users.list({ limit: 120 });
    expect(limited.map((u) => u.sid)).toEqual(sids.slice(0, 120));
  });

  it('fetches by sid and by identities with reserved characters', async () => {
    const upstream = h.sim.admin.exportUsers(serviceSid);
    const plain = upstream[17];
    expect(sdkView(await client.conversations.v1.services(serviceSid).users(plain.sid).fetch())).toEqual(expected(plain));
    const awkwardUpstream = [...AWKWARD, ...upstream.map((u) => u.identity!).filter((i) => /[/?%+# ]/.test(i)).slice(0, 10)];
    expect(awkwardUpstream.length).toBeGreaterThan(AWKWARD.length);
    for (const identity of awkwardUpstream) {
      const u = upstream.find((x) => x.identity === identity)!;
      // The SDK refuses a raw "/" or "?" in a path parameter: Twilio's docs say to URL-encode the identity.
      const fetched = await client.conversations.v1.services(serviceSid).users(encodeURIComponent(identity)).fetch();
      expect(sdkView(fetched)).toEqual(expected(u));
    }
  });

  it("sees an account's services with that account's sid, and answers 404/20404 for another account's, as Twilio does", async () => {
    const upstreamB = h.sim.admin.exportUsers(serviceB);
    const asB = sdk(ACCOUNT_B, TEST_API_TOKEN);
    expect((await asB.conversations.v1.services(serviceB).users.list()).map((u) => u.sid)).toEqual(upstreamB.map((u) => u.sid).sort());
    const notFound = { status: 404, code: 20404, moreInfo: 'https://www.twilio.com/docs/errors/20404' };
    await expect(asB.conversations.v1.services(serviceSid).users.list()).rejects.toMatchObject(notFound);
    await expect(asB.conversations.v1.services(serviceSid).users(h.sim.admin.exportUsers(serviceSid)[0].sid).fetch()).rejects.toMatchObject(notFound);
    await expect(client.conversations.v1.services(serviceB).users.list()).rejects.toMatchObject(notFound);
    await expect(client.conversations.v1.services(serviceB).users(upstreamB[0].sid).fetch()).rejects.toMatchObject(notFound);
    // What the upstream answers for another account's service: the same status and code. The message is Twilio's
    // form, the path after the API version (the simulator's own message also names the version).
    const simAsA = twilio(h.sim.accountSid, h.sim.authToken);
    simAsA.conversations.baseUrl = h.sim.url;
    const upstreamError = await simAsA.conversations.v1.services(serviceB).users.list().catch((e) => e);
    const mirrorError = await client.conversations.v1.services(serviceB).users.list().catch((e) => e);
    expect({ status: mirrorError.status, code: mirrorError.code }).toEqual({ status: upstreamError.status, code: upstreamError.code });
    expect(mirrorError.message).toBe(`The requested resource /Services/${serviceB}/Users was not found`);
  });

  it("takes an API key sid as user name when the token maps it to an account, and only that account's services", async () => {
    const withKey = sdk(KEY_B, B_TOKEN, ACCOUNT_B);
    expect((await withKey.conversations.v1.services(serviceB).users.list()).length).toBe(12);
    await expect(withKey.conversations.v1.services(serviceSid).users.list()).rejects.toMatchObject({ status: 404, code: 20404 });
    // The same scoped token with account A's sid, or an unmapped key: Twilio's 401.
    for (const wrong of [sdk(h.sim.accountSid, B_TOKEN), sdk('SK' + 'c'.repeat(32), B_TOKEN, ACCOUNT_B), sdk(KEY_B, TEST_API_TOKEN, ACCOUNT_B)]) {
      await expect(wrong.conversations.v1.services(serviceB).users.list()).rejects.toMatchObject({ status: 401, code: 20003, message: 'Authenticate' });
    }
  });

  it("answers Twilio's errors: 404/20404 for an unknown user or service, 401/20003 with Twilio's body for a wrong token", async () => {
    await expect(client.conversations.v1.services(serviceSid).users('nobody-here').fetch()).rejects.toMatchObject({
      status: 404,
      code: 20404,
      moreInfo: 'https://www.twilio.com/docs/errors/20404',
    });
    await expect(client.conversations.v1.services('IS' + 'f'.repeat(32)).users.list()).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(sdk(h.sim.accountSid, 'not-the-token').conversations.v1.services(serviceSid).users.list()).rejects.toMatchObject({
      status: 401,
      code: 20003,
      message: 'Authenticate',
      moreInfo: 'https://www.twilio.com/docs/errors/20003',
    });
    const raw = await rawRequest(h.mirror.url!, { path: `/twilio/v1/Services/${serviceSid}/Users`, headers: { authorization: basic(h.sim.accountSid, 'not-the-token') } });
    const upstream = await rawRequest(h.sim.url, { path: `/v1/Services/${serviceSid}/Users`, headers: { authorization: basic(h.sim.accountSid, 'not-the-token') } });
    expect({ status: raw.status, code: raw.json().code, message: raw.json().message }).toEqual({ status: upstream.status, code: upstream.json().code, message: upstream.json().message });
    expect(raw.json().detail).toBe('Your AccountSid or AuthToken was incorrect.');
    await expect(client.conversations.v1.services(serviceSid).users(encodeURIComponent(AWKWARD[0])).update({ friendlyName: 'x' })).rejects.toMatchObject({
      status: 405,
    });
  });

  it('neither lists nor fetches a user deleted upstream once the mirror has seen the delete', async () => {
    const victim = h.sim.admin.exportUsers(serviceSid)[3];
    h.sim.admin.deleteUser(serviceSid, victim.sid);
    await h.crawlAll();
    const listed = await client.conversations.v1.services(serviceSid).users.list();
    expect(listed).toHaveLength(239);
    expect(listed.map((u) => u.sid)).not.toContain(victim.sid);
    await expect(client.conversations.v1.services(serviceSid).users(victim.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(client.conversations.v1.services(serviceSid).users(encodeURIComponent(victim.identity!)).fetch()).rejects.toMatchObject({ status: 404 });
  });
});
