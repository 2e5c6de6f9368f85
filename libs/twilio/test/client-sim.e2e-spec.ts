import {
  TwilioAuthError,
  TwilioClient,
  TwilioMalformedResponseError,
  TwilioNetworkError,
  TwilioNotFoundError,
  TwilioRateLimitError,
  TwilioServerError,
  type TwilioUser,
} from '@app/twilio';
import { startSimulator, type RunningSimulator } from '@app/twilio-sim';

/** The client against the project's Twilio simulator: real pages, tokens, auth and faults end to end. */
describe('TwilioClient against the simulator', () => {
  let sim: RunningSimulator;
  let client: TwilioClient;
  let serviceSid: string;
  const warnings: Array<{ obj: object; msg: string }> = [];

  beforeAll(async () => {
    sim = await startSimulator({ services: '2x237', seed: 7 });
    serviceSid = sim.serviceSids[0];
    client = new TwilioClient({
      baseUrl: sim.url,
      auth: { kind: 'token', accountSid: sim.accountSid, authToken: sim.authToken },
      timeoutMs: 5000,
      logger: { warn: (obj, msg) => void warnings.push({ obj, msg }) },
    });
  });

  afterAll(async () => {
    await client?.close();
    await sim?.close();
  });

  beforeEach(() => {
    warnings.length = 0;
    sim.admin.clearFaults();
  });

  async function crawl(c: TwilioClient, sid: string, pageSize?: number) {
    const users: TwilioUser[] = [];
    let pages = 0;
    let url: string | null = c.firstUsersPageUrl(sid, pageSize);
    while (url !== null) {
      const page = await c.fetchUsersPage(sid, url);
      expect(page.rejected).toEqual([]);
      users.push(...page.items);
      pages++;
      url = page.nextPageUrl;
    }
    return { users, pages };
  }

  it('lists every user of a seeded service, page by page, exactly as the store holds them', async () => {
    const { users, pages } = await crawl(client, serviceSid);
    expect(pages).toBe(5); // 237 users / 50
    const truth = sim.admin.exportUsers(serviceSid);
    expect(users).toHaveLength(237);
    expect(users).toEqual(truth.map((u) => ({ ...u, is_online: null, is_notifiable: null })));
    expect(warnings).toEqual([]);
  });

  it('pages with a small PageSize too', async () => {
    const { users, pages } = await crawl(client, sim.serviceSids[1], 7);
    expect(pages).toBe(Math.ceil(237 / 7));
    expect(new Set(users.map((u) => u.sid)).size).toBe(237);
  });

  it('lists and fetches services', async () => {
    const sids: string[] = [];
    for await (const s of client.listServices()) sids.push(s.sid);
    expect(sids.sort()).toEqual([...sim.serviceSids].sort());
    await expect(client.fetchService(serviceSid)).resolves.toMatchObject({ sid: serviceSid, account_sid: sim.accountSid });
  });

  it('fetches a user by sid and by an identity full of URL-hostile characters', async () => {
    const identity = 'a/b?c=%20&d+e#f  x ';
    const created = sim.admin.createUser(serviceSid, { identity, attributes: { k: 'v' }, isOnline: true });
    const bySid = await client.fetchUser(serviceSid, created.sid);
    const byIdentity = await client.fetchUser(serviceSid, identity);
    expect(byIdentity).toEqual(bySid);
    expect(byIdentity).toMatchObject({ sid: created.sid, identity, is_online: true, attributes: '{"k":"v"}' });

    sim.admin.deleteUser(serviceSid, created.sid);
    await expect(client.fetchUser(serviceSid, created.sid)).rejects.toBeInstanceOf(TwilioNotFoundError);
    await expect(client.fetchUser(serviceSid, identity)).rejects.toBeInstanceOf(TwilioNotFoundError);
  });

  it('fetches generated users by their own identities', async () => {
    const sample = sim.admin.exportUsers(serviceSid).filter((_, i) => i % 10 === 0);
    for (const u of sample) {
      await expect(client.fetchUser(serviceSid, u.identity!)).resolves.toMatchObject({ sid: u.sid, identity: u.identity });
    }
  });

  it('authenticates with an API key', async () => {
    const c = new TwilioClient({
      baseUrl: sim.url,
      auth: { kind: 'apiKey', accountSid: sim.accountSid, apiKeySid: sim.apiKeySid, apiKeySecret: sim.apiKeySecret },
    });
    try {
      await expect(c.fetchUsersPage(serviceSid)).resolves.toMatchObject({ pageSize: 50 });
    } finally {
      await c.close();
    }
  });

  it('answers bad credentials with a non-retryable TwilioAuthError', async () => {
    const c = new TwilioClient({ baseUrl: sim.url, auth: { kind: 'token', accountSid: sim.accountSid, authToken: 'wrong-token' } });
    try {
      const err = await c.fetchUsersPage(serviceSid).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TwilioAuthError);
      expect(err).toMatchObject({ status: 401, code: 20003, retryable: false });
      expect(JSON.stringify(err)).not.toContain('wrong-token');
    } finally {
      await c.close();
    }
  });

  it('types injected faults', async () => {
    const attempt = () => client.fetchUsersPage(serviceSid).catch((e: unknown) => e);
    sim.admin.enqueueFaults({ kind: 'truncate', match: 'users-list' });
    expect(await attempt()).toBeInstanceOf(TwilioMalformedResponseError);
    sim.admin.enqueueFaults({ kind: 'non-json', match: 'users-list' });
    expect(await attempt()).toBeInstanceOf(TwilioMalformedResponseError);
    sim.admin.enqueueFaults({ kind: 'reset', match: 'users-list' });
    expect(await attempt()).toBeInstanceOf(TwilioNetworkError);
    sim.admin.enqueueFaults({ kind: '503', match: 'users-list' });
    expect(await attempt()).toBeInstanceOf(TwilioServerError);

    sim.admin.enqueueFaults({ kind: 'bad-sid', match: 'users-list' });
    const page = await client.fetchUsersPage(serviceSid);
    expect(page.rejected).toEqual([{ index: expect.any(Number), sid: 'XX123', reason: expect.stringContaining('not a user sid') }]);
    expect(page.items).toHaveLength(49);
    expect(warnings).toHaveLength(1);
  });

  it('reads Retry-After from a 429', async () => {
    const before = sim.admin.getBehavior();
    sim.admin.setBehavior({ retryAfter: 3 });
    try {
      sim.admin.enqueueFaults({ kind: '429', match: 'users-list' });
      const err = await client.fetchUsersPage(serviceSid).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TwilioRateLimitError);
      expect(err).toMatchObject({ status: 429, code: 20429, retryable: true, retryAfterMs: 3000 });
    } finally {
      sim.admin.setBehavior(before);
    }
  });

  it("reads and changes the account's webhook configuration, and reads a service's, as the simulator holds them", async () => {
    sim.admin.configureWebhooks(sim.accountSid, { postWebhookUrl: null, preWebhookUrl: null, filters: ['onMessageAdded'], method: 'POST', target: 'webhook' });
    expect(await client.fetchWebhookConfig()).toEqual({
      accountSid: sim.accountSid,
      method: 'POST',
      preWebhookUrl: null,
      postWebhookUrl: null,
      filters: ['onMessageAdded'],
      target: 'webhook',
    });
    const changed = await client.updateWebhookConfig({ postWebhookUrl: 'https://mirror.example.com/webhooks/twilio?a=1&b=2', filters: ['onMessageAdded', 'onUserAdded', 'onUserUpdated'] });
    expect(changed).toMatchObject({ postWebhookUrl: 'https://mirror.example.com/webhooks/twilio?a=1&b=2', filters: ['onMessageAdded', 'onUserAdded', 'onUserUpdated'], method: 'POST' });
    expect(await client.fetchWebhookConfig()).toEqual(changed);
    sim.admin.configureServiceWebhooks(serviceSid, { postWebhookUrl: 'https://service.example.com/hooks', filters: ['onMessageAdded'] });
    expect(await client.fetchServiceWebhookConfig(serviceSid)).toMatchObject({ chatServiceSid: serviceSid, postWebhookUrl: 'https://service.example.com/hooks', filters: ['onMessageAdded'] });
    sim.admin.configureServiceWebhooks(serviceSid, { postWebhookUrl: null, filters: [] });
  });
});
