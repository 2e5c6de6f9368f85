import twilio from 'twilio';
import type { TwilioUser } from '@app/twilio-sim';
import { Harness, startHarness, TEST_API_TOKEN } from '../support/mirror-harness';

const AWKWARD = ['a/b?c=%20&d+e#f g', ' spaced out ', '100% sure?', 'x+y@example.com', '#hash/tag', 'ünï/cødé ✓'];

/**
 * The official twilio SDK, pointed at the mirror instead of Twilio, reads what the simulator holds:
 * simulator → crawl (scheduler, BullMQ, worker) → Postgres → /twilio surface → SDK.
 */
describe('Twilio-compatible surface, driven by the official twilio SDK', () => {
  let h: Harness;
  let client: twilio.Twilio;
  let serviceSid: string;

  /** The SDK's view of a user, as plain data, to compare with the simulator's export. */
  function sdkView(u: any) {
    return {
      sid: u.sid,
      accountSid: u.accountSid,
      chatServiceSid: u.chatServiceSid,
      roleSid: u.roleSid,
      identity: u.identity,
      friendlyName: u.friendlyName,
      attributes: JSON.parse(u.attributes),
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
      attributes: JSON.parse(u.attributes!),
      dateCreated: new Date(u.date_created!).toISOString(),
      dateUpdated: new Date(u.date_updated!).toISOString(),
      url,
      links: { user_conversations: `${url}/Conversations` },
    };
  }

  beforeAll(async () => {
    h = await startHarness('readapi_sdk', { sim: { services: '2x230', seed: 21 }, roles: 'api,worker,scheduler' });
    serviceSid = h.sim.serviceSids[0];
    for (const [i, identity] of AWKWARD.entries()) {
      h.sim.admin.createUser(serviceSid, { identity, friendlyName: `Awkward ${i}`, attributes: `{ "awkward": ${i}, "nested": {"k": [1, 2.5, "x"]} }` });
    }
    const runs = await h.crawlAll();
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    // Any account sid as user name, an API token as password: what the SDK sends as HTTP Basic.
    client = twilio('AC' + '0'.repeat(32), TEST_API_TOKEN);
    client.conversations.baseUrl = `${h.mirror.url}/twilio`;
  });
  afterAll(() => h?.close());

  it('lists every user of the service over several pages, equal to the simulator', async () => {
    const upstream = h.sim.admin.exportUsers(serviceSid);
    expect(upstream.length).toBe(236);
    const listed = await client.conversations.v1.services(serviceSid).users.list({ pageSize: 50 });
    expect(listed.map(sdkView)).toEqual([...upstream].sort((a, b) => (a.sid < b.sid ? -1 : 1)).map(expected));
    // Twilio's list never reports presence.
    expect(listed.every((u) => u.isOnline === null && u.isNotifiable === null)).toBe(true);
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
    expect(new Set(sids).size).toBe(236);
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

  it("answers Twilio's errors: 404/20404 for an unknown user or service, 401/20003 for a wrong token", async () => {
    await expect(client.conversations.v1.services(serviceSid).users('nobody-here').fetch()).rejects.toMatchObject({
      status: 404,
      code: 20404,
      moreInfo: 'https://www.twilio.com/docs/errors/20404',
    });
    await expect(client.conversations.v1.services('IS' + 'f'.repeat(32)).users.list()).rejects.toMatchObject({ status: 404, code: 20404 });
    const wrong = twilio('AC' + '0'.repeat(32), 'not-the-token');
    wrong.conversations.baseUrl = `${h.mirror.url}/twilio`;
    await expect(wrong.conversations.v1.services(serviceSid).users.list()).rejects.toMatchObject({ status: 401, code: 20003 });
    await expect(client.conversations.v1.services(serviceSid).users(encodeURIComponent(AWKWARD[0])).update({ friendlyName: 'x' })).rejects.toMatchObject({
      status: 405,
    });
  });

  it('neither lists nor fetches a user deleted upstream once the mirror has seen the delete', async () => {
    const victim = h.sim.admin.exportUsers(serviceSid)[3];
    h.sim.admin.deleteUser(serviceSid, victim.sid);
    await h.crawlAll();
    const listed = await client.conversations.v1.services(serviceSid).users.list();
    expect(listed).toHaveLength(235);
    expect(listed.map((u) => u.sid)).not.toContain(victim.sid);
    await expect(client.conversations.v1.services(serviceSid).users(victim.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(client.conversations.v1.services(serviceSid).users(encodeURIComponent(victim.identity!)).fetch()).rejects.toMatchObject({ status: 404 });
  });
});
