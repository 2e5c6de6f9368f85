import { TwilioClient, TwilioNotFoundError, TwilioRequestError, type RequestLimiter, type RequestObserver } from '@app/twilio';
import { ACCOUNT_SID, AUTH_TOKEN, FakeUpstream, json, SERVICE_SID, twilioUser, userSid, usersPage } from './support/fake-upstream';

type Outcome = 'ok' | 'throttled' | 'failed';

function recordingLimiter() {
  const events: string[] = [];
  let inFlight = 0;
  const limiter: RequestLimiter = {
    async acquire(accountSid) {
      events.push(`acquire ${accountSid}`);
      inFlight++;
      let released = false;
      return {
        release(outcome: Outcome) {
          if (released) throw new Error('released twice');
          released = true;
          inFlight--;
          events.push(`release ${outcome}`);
        },
      };
    },
  };
  return { limiter, events, inFlight: () => inFlight };
}

describe('TwilioClient limiter, observer and point fetches', () => {
  let upstream: FakeUpstream;
  let client: TwilioClient;
  let rec: ReturnType<typeof recordingLimiter>;
  let observed: Parameters<RequestObserver>[0][];

  beforeEach(async () => {
    upstream = await FakeUpstream.start();
    rec = recordingLimiter();
    observed = [];
    client = new TwilioClient({
      baseUrl: upstream.base,
      auth: { kind: 'token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN },
      timeoutMs: 300,
      limiter: rec.limiter,
      onRequest: (e) => void observed.push(e),
    });
  });

  afterEach(async () => {
    await client.close();
    await upstream.close();
  });

  it('takes a lease per attempt and releases it with the outcome', async () => {
    const script: Array<(req: any, res: any, base: string) => void> = [
      (req, res, base) => json(res, 200, usersPage([], base + req.url, null)),
      (_req, res) => json(res, 429, { code: 20429 }),
      (_req, res) => json(res, 500, { code: 20500 }),
      (_req, res) => json(res, 404, { code: 20404 }),
      (req) => req.socket.destroy(),
      (_req, res) => res.end('not json'),
    ];
    for (const s of script) {
      upstream.handler = s;
      await client.fetchUsersPage(SERVICE_SID).catch(() => undefined);
    }
    expect(rec.events).toEqual([
      `acquire ${ACCOUNT_SID}`, 'release ok',
      `acquire ${ACCOUNT_SID}`, 'release throttled',
      `acquire ${ACCOUNT_SID}`, 'release ok',
      `acquire ${ACCOUNT_SID}`, 'release ok',
      `acquire ${ACCOUNT_SID}`, 'release failed',
      `acquire ${ACCOUNT_SID}`, 'release ok',
    ]);
    expect(rec.inFlight()).toBe(0);
    expect(observed.map((o) => o.status)).toEqual([200, 429, 500, 404, null, 200]);
    expect(observed.map((o) => o.error?.name)).toEqual([
      undefined,
      'TwilioRateLimitError',
      'TwilioServerError',
      'TwilioNotFoundError',
      'TwilioNetworkError',
      'TwilioMalformedResponseError',
    ]);
    for (const o of observed) {
      expect(o).toMatchObject({ accountSid: ACCOUNT_SID, method: 'GET', url: client.firstUsersPageUrl(SERVICE_SID) });
      expect(o.durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('releases as failed when the caller aborts, and sends nothing when refused up front', async () => {
    const ac = new AbortController();
    // Abort once the request has reached the upstream (which never answers), not on a timer that a busy
    // machine may fire before the request is even sent.
    upstream.handler = () => ac.abort(new Error('stop'));
    await expect(client.fetchUsersPage(SERVICE_SID, undefined, ac.signal)).rejects.toThrow('stop');
    expect(rec.events).toEqual([`acquire ${ACCOUNT_SID}`, 'release failed']);

    await expect(client.fetchUsersPage(SERVICE_SID, 'https://evil.example/v1/Services')).rejects.toBeInstanceOf(TwilioRequestError);
    expect(rec.events).toHaveLength(2);
    expect(upstream.requests).toHaveLength(1);
  });

  it('survives a limiter whose release throws', async () => {
    upstream.handler = (req, res, base) => json(res, 200, usersPage([], base + req.url, null));
    const c = new TwilioClient({
      baseUrl: upstream.base,
      auth: { kind: 'token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN },
      limiter: { acquire: async () => ({ release: () => { throw new Error('redis down'); } }) },
    });
    try {
      await expect(c.fetchUsersPage(SERVICE_SID)).resolves.toMatchObject({ items: [] });
    } finally {
      await c.close();
    }
  });

  it('URL-encodes an identity with / ? % + # and spaces in fetchUser', async () => {
    const identity = 'a/b?c%d+e#f g@h.com';
    upstream.handler = (req, res, base) => {
      const last = decodeURIComponent(req.url!.split('/').pop()!);
      if (last === identity) return json(res, 200, twilioUser(7, base, { identity, is_online: true, is_notifiable: false }));
      json(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    };
    const user = await client.fetchUser(SERVICE_SID, identity);
    expect(upstream.requests[0].url).toBe(`/v1/Services/${SERVICE_SID}/Users/a%2Fb%3Fc%25d%2Be%23f%20g%40h.com`);
    expect(user).toMatchObject({ sid: userSid(7), identity, is_online: true, is_notifiable: false });

    await expect(client.fetchUser(SERVICE_SID, 'someone else')).rejects.toBeInstanceOf(TwilioNotFoundError);
    await expect(client.fetchUser(SERVICE_SID, '..')).rejects.toBeInstanceOf(TwilioRequestError);
    expect(upstream.requests).toHaveLength(2);
  });

  it('fetches by sid and refuses an answer about another user', async () => {
    upstream.handler = (_req, res, base) => json(res, 200, twilioUser(8, base));
    await expect(client.fetchUser(SERVICE_SID, userSid(8))).resolves.toMatchObject({ sid: userSid(8) });
    expect(upstream.requests[0].url).toBe(`/v1/Services/${SERVICE_SID}/Users/${userSid(8)}`);
    await expect(client.fetchUser(SERVICE_SID, userSid(9))).rejects.toMatchObject({
      name: 'TwilioMalformedResponseError',
      reason: expect.stringContaining('different user'),
    });
  });
});
