import { Agent } from 'undici';
import { TwilioClient, TwilioMalformedResponseError, TwilioRequestError, type TwilioUser } from '@app/twilio';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  FakeUpstream,
  json,
  OTHER_SERVICE_SID,
  raw,
  recordingLogger,
  SERVICE_SID,
  twilioUser,
  userSid,
  usersPage,
} from './support/fake-upstream';

const usersPath = `/v1/Services/${SERVICE_SID}/Users`;
// Opaque tokens must travel byte for byte: percent-escapes stay escaped, `+` stays `+`, odd punctuation stays.
const ODD_TOKEN = 'PA%2Fx%3D%3D~y.z_(1)!*+q%25';

describe('TwilioClient list pages', () => {
  let upstream: FakeUpstream;
  let client: TwilioClient;
  let logger: ReturnType<typeof recordingLogger>;

  beforeEach(async () => {
    upstream = await FakeUpstream.start();
    logger = recordingLogger();
    client = new TwilioClient({
      baseUrl: upstream.base,
      auth: { kind: 'token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN },
      timeoutMs: 2000,
      logger,
    });
  });

  afterEach(async () => {
    await client.close();
    await upstream.close();
  });

  it('builds the first page URL and validates PageSize', () => {
    expect(client.firstUsersPageUrl(SERVICE_SID)).toBe(`${upstream.base}${usersPath}?PageSize=50`);
    expect(client.firstUsersPageUrl(SERVICE_SID, 7)).toBe(`${upstream.base}${usersPath}?PageSize=7`);
    expect(() => client.firstUsersPageUrl(SERVICE_SID, 0)).toThrow(RangeError);
    expect(() => client.firstUsersPageUrl(SERVICE_SID, 51)).toThrow(RangeError);
    expect(() => client.firstUsersPageUrl(SERVICE_SID, 2.5)).toThrow(RangeError);
  });

  it('follows next_page_url verbatim, odd token included, until it is null', async () => {
    const page2 = `${usersPath}?PageSize=2&Page=1&PageToken=${ODD_TOKEN}`;
    const page3 = `${usersPath}?PageSize=2&Page=2&PageToken=PA${'z'.repeat(40)}`;
    upstream.handler = (req, res, base) => {
      const pages: Record<string, [number[], string | null]> = {
        [`${usersPath}?PageSize=2`]: [[1, 2], base + page2],
        [page2]: [[3, 4], base + page3],
        [page3]: [[5], null],
      };
      const p = pages[req.url!];
      if (!p) return json(res, 404, { code: 20404, message: 'no such page', status: 404 });
      json(res, 200, usersPage(p[0].map((n) => twilioUser(n, base)), base + req.url, p[1], { page_size: 2 }));
    };

    const users: TwilioUser[] = [];
    let url: string | undefined = client.firstUsersPageUrl(SERVICE_SID, 2);
    const nexts: Array<string | null> = [];
    while (url) {
      const page = await client.fetchUsersPage(SERVICE_SID, url);
      expect(page.url).toBe(url);
      expect(page.rejected).toEqual([]);
      expect(page.pageSize).toBe(2);
      users.push(...page.items);
      nexts.push(page.nextPageUrl);
      url = page.nextPageUrl ?? undefined;
    }

    expect(upstream.requests.map((r) => r.url)).toEqual([`${usersPath}?PageSize=2`, page2, page3]);
    expect(nexts).toEqual([upstream.base + page2, upstream.base + page3, null]);
    expect(users.map((u) => u.sid)).toEqual([1, 2, 3, 4, 5].map(userSid));
    expect(users[0]).toEqual({
      sid: userSid(1),
      account_sid: ACCOUNT_SID,
      chat_service_sid: SERVICE_SID,
      role_sid: expect.stringMatching(/^RL/),
      identity: 'user-1@example.com',
      friendly_name: 'User 1',
      attributes: '{"team":"support","n":1}',
      is_online: null,
      is_notifiable: null,
      date_created: '2019-12-16T22:18:37Z',
      date_updated: '2019-12-16T22:18:38Z',
      url: `${upstream.base}${usersPath}/${userSid(1)}`,
      links: { user_conversations: `${upstream.base}${usersPath}/${userSid(1)}/Conversations` },
    });
    const h = upstream.requests[0].headers;
    expect(h.accept).toBe('application/json');
    expect(h.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
    expect(h['user-agent']).toEqual(expect.any(String));
  });

  it('defaults to the first page of the service', async () => {
    upstream.handler = (req, res, base) => json(res, 200, usersPage([], base + req.url, null));
    const page = await client.fetchUsersPage(SERVICE_SID);
    expect(upstream.requests[0].url).toBe(`${usersPath}?PageSize=50`);
    expect(page).toEqual({ items: [], rejected: [], url: `${upstream.base}${usersPath}?PageSize=50`, nextPageUrl: null, page: 0, pageSize: 50 });
  });

  it('rejects bad records with a reason, keeps the rest and warns', async () => {
    upstream.handler = (req, res, base) =>
      json(
        res,
        200,
        usersPage(
          [
            twilioUser(1, base),
            twilioUser(2, base, { sid: 'US-not-a-sid' }),
            twilioUser(3, base, { chat_service_sid: OTHER_SERVICE_SID }),
            twilioUser(4, base, { attributes: '{"broken": ' }),
            'not an object',
            twilioUser(6, base, { surprise_field: { nested: true }, friendly_name: undefined }),
          ],
          base + req.url,
          null,
        ),
      );

    const page = await client.fetchUsersPage(SERVICE_SID);

    expect(page.items.map((u) => u.sid)).toEqual([userSid(1), userSid(6)]);
    expect(page.items[1].friendly_name).toBeNull();
    expect(page.items[1]).not.toHaveProperty('surprise_field');
    expect(page.rejected).toEqual([
      { index: 1, sid: 'US-not-a-sid', reason: expect.stringContaining('not a user sid') },
      { index: 2, sid: userSid(3), reason: expect.stringContaining('chat_service_sid') },
      { index: 3, sid: userSid(4), reason: 'attributes is not valid JSON' },
      { index: 4, sid: undefined, reason: expect.stringContaining('not an object') },
    ]);
    expect(logger.calls).toHaveLength(4);
    expect(logger.calls[0].obj).toMatchObject({ index: 1, sid: 'US-not-a-sid', serviceSid: SERVICE_SID, reason: expect.stringContaining('not a user sid') });
    expect(logger.calls[2].msg).toContain('attributes is not valid JSON');
  });

  it.each([
    ['truncated JSON', (b: string) => JSON.stringify(usersPage([twilioUser(1, b)], b, null)).slice(0, 120), /truncated/],
    ['an HTML page', () => '<html><body><h1>502 Bad Gateway</h1></body></html>', /not JSON/],
    ['an empty body', () => '', /empty/],
    ['no meta', (b: string) => JSON.stringify({ users: [twilioUser(1, b)] }), /meta/],
    ['a users field that is not an array', (b: string) => JSON.stringify({ ...usersPage([], b, null), users: {} }), /not an array/],
    ['another meta.key', (b: string) => JSON.stringify(usersPage([], b, null, { key: 'conversations' })), /meta\.key/],
    ['no next_page_url', (b: string) => JSON.stringify(usersPage([], b, null, { next_page_url: undefined })), /next_page_url is missing/],
    ['a non-string next_page_url', (b: string) => JSON.stringify(usersPage([], b, null, { next_page_url: 42 })), /not a string/],
    ['a relative next_page_url', (b: string) => JSON.stringify(usersPage([], b, '/v1/Services/x/Users?Page=1')), /absolute/],
  ])('fails the page on %s (retryable, with the start of the body)', async (_name, body, reason) => {
    upstream.handler = (_req, res, base) => raw(res, 200, body(base));
    const err = await client.fetchUsersPage(SERVICE_SID).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TwilioMalformedResponseError);
    const e = err as TwilioMalformedResponseError;
    expect(e.reason).toMatch(reason);
    expect(e.retryable).toBe(true);
    expect(e.status).toBe(200);
    expect(e.url).toBe(`${upstream.base}${usersPath}?PageSize=50`);
    expect(e.bodySnippet).toBe(body(upstream.base).slice(0, 200));
    expect(e.bodySnippet!.length).toBeLessThanOrEqual(200);
  });

  it('refuses a next_page_url on another origin and never calls it', async () => {
    const evil = await FakeUpstream.start((_req, res) => json(res, 200, {}));
    try {
      upstream.handler = (req, res, base) =>
        json(res, 200, usersPage([twilioUser(1, base)], base + req.url, `${evil.base}${usersPath}?PageToken=PT1`));
      const err = await client.fetchUsersPage(SERVICE_SID).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TwilioMalformedResponseError);
      expect((err as TwilioMalformedResponseError).reason).toMatch(/another origin/);

      // A caller-supplied URL (e.g. an old checkpoint) on another origin is not sent either.
      const err2 = await client.fetchUsersPage(SERVICE_SID, `${evil.base}${usersPath}?PageToken=PT1`).catch((e: unknown) => e);
      expect(err2).toBeInstanceOf(TwilioRequestError);
      expect((err2 as TwilioRequestError).retryable).toBe(false);
      expect((err2 as TwilioRequestError).status).toBeNull();
      // Same host, other scheme or port is another origin too.
      const sameHostOtherPort = upstream.base.replace(/:\d+$/, ':1');
      await expect(client.fetchUsersPage(SERVICE_SID, `${sameHostOtherPort}${usersPath}`)).rejects.toBeInstanceOf(TwilioRequestError);
      expect(evil.requests).toHaveLength(0);
    } finally {
      await evil.close();
    }
  });

  it('refuses a next_page_url that points at the page itself (endless crawl)', async () => {
    upstream.handler = (req, res, base) => json(res, 200, usersPage([], base + req.url, base + req.url));
    await expect(client.fetchUsersPage(SERVICE_SID)).rejects.toMatchObject({ reason: expect.stringMatching(/page itself/) });
  });

  it('uses a passed-in dispatcher and leaves it open on close()', async () => {
    upstream.handler = (req, res, base) => json(res, 200, usersPage([], base + req.url, null));
    const agent = new Agent({ connections: 1 });
    const dispatched: string[] = [];
    const spy = agent.compose((dispatch) => (opts, handler) => {
      dispatched.push(String(opts.path));
      return dispatch(opts, handler);
    });
    const c = new TwilioClient({ baseUrl: `${upstream.base}/`, auth: { kind: 'token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, dispatcher: spy });
    try {
      await c.fetchUsersPage(SERVICE_SID);
      await c.close();
      expect(dispatched).toEqual([`${usersPath}?PageSize=50`]);
      expect(agent.closed).toBe(false);
      await expect(c.fetchUsersPage(SERVICE_SID)).resolves.toMatchObject({ items: [] });
    } finally {
      await agent.close();
    }
  });

  it('closes its own Agent on close()', async () => {
    upstream.handler = (req, res, base) => json(res, 200, usersPage([], base + req.url, null));
    await client.fetchUsersPage(SERVICE_SID);
    await client.close();
    await client.close(); // idempotent: afterEach closes again
    await expect(client.fetchUsersPage(SERVICE_SID)).rejects.toMatchObject({ name: 'TwilioNetworkError' });
    expect(upstream.requests).toHaveLength(1);
  });

  it('lists every service across pages, and fetches one', async () => {
    const svc = (n: number, base: string) => ({
      sid: `IS${n.toString(16).padStart(32, '0')}`,
      account_sid: ACCOUNT_SID,
      friendly_name: `svc ${n}`,
      date_created: '2020-01-01T00:00:00Z',
      date_updated: '2020-01-02T00:00:00Z',
      url: `${base}/v1/Services/IS${n.toString(16).padStart(32, '0')}`,
      links: { users: 'x' },
    });
    upstream.handler = (req, res, base) => {
      const meta = (next: string | null) => ({ key: 'services', page_size: 50, page: 0, url: base + req.url, next_page_url: next });
      if (req.url === '/v1/Services?PageSize=50') return json(res, 200, { services: [svc(1, base), svc(2, base)], meta: meta(`${base}/v1/Services?PageSize=50&Page=1&PageToken=PTabc`) });
      if (req.url === '/v1/Services?PageSize=50&Page=1&PageToken=PTabc') return json(res, 200, { services: [svc(3, base), { sid: 'bogus' }], meta: meta(null) });
      if (req.url === `/v1/Services/${svc(2, base).sid}`) return json(res, 200, svc(2, base));
      json(res, 404, { code: 20404, message: 'not found', status: 404 });
    };
    const sids: string[] = [];
    for await (const s of client.listServices()) sids.push(s.sid);
    expect(sids).toEqual([svc(1, '').sid, svc(2, '').sid, svc(3, '').sid]);
    expect(logger.calls).toEqual([{ obj: expect.objectContaining({ index: 1, sid: 'bogus' }), msg: expect.stringContaining('not a service sid') }]);

    const one = await client.fetchService(svc(2, '').sid);
    expect(one).toEqual(svc(2, upstream.base));
  });
});
