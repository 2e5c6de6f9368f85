import {
  TwilioAuthError,
  TwilioClient,
  TwilioError,
  TwilioNetworkError,
  TwilioNotFoundError,
  TwilioRateLimitError,
  TwilioRequestError,
  TwilioServerError,
} from '@app/twilio';
import { ACCOUNT_SID, AUTH_TOKEN, FakeUpstream, json, raw, SERVICE_SID } from './support/fake-upstream';

describe('TwilioClient error mapping', () => {
  let upstream: FakeUpstream;
  let client: TwilioClient;

  beforeEach(async () => {
    upstream = await FakeUpstream.start();
    client = new TwilioClient({
      baseUrl: upstream.base,
      auth: { kind: 'token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN },
      timeoutMs: 200,
    });
  });

  afterEach(async () => {
    await client.close();
    await upstream.close();
  });

  const failure = () => client.fetchUsersPage(SERVICE_SID).then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as TwilioError,
  );

  it.each([
    [401, 20003, TwilioAuthError, false],
    [403, 20403, TwilioAuthError, false],
    [404, 20404, TwilioNotFoundError, false],
    [400, 20001, TwilioRequestError, false],
    [503, 20503, TwilioServerError, true],
    [500, null, TwilioServerError, true],
  ] as const)('maps %i to its typed error', async (status, code, type, retryable) => {
    const moreInfo = code ? `https://www.twilio.com/docs/errors/${code}` : undefined;
    upstream.handler = (_req, res) => json(res, status, { code, message: `failed with ${status}`, more_info: moreInfo, status });
    const err = await failure();
    expect(err).toBeInstanceOf(type);
    expect(err).toBeInstanceOf(TwilioError);
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    expect(err.moreInfo).toBe(moreInfo ?? null);
    expect(err.retryable).toBe(retryable);
    expect(err.url).toBe(client.firstUsersPageUrl(SERVICE_SID));
    expect(err.message).toContain(`failed with ${status}`);
  });

  it('types a non-JSON error body by HTTP status', async () => {
    upstream.handler = (_req, res) => raw(res, 502, '<html>Bad Gateway</html>', { 'content-type': 'text/html' });
    const err = await failure();
    expect(err).toBeInstanceOf(TwilioServerError);
    expect(err).toMatchObject({ status: 502, code: null, moreInfo: null, retryable: true });

    upstream.handler = (_req, res) => raw(res, 401, 'Unauthorized', { 'content-type': 'text/plain' });
    const err401 = await failure();
    expect(err401).toBeInstanceOf(TwilioAuthError);
    expect(err401.retryable).toBe(false);
  });

  it('reads Retry-After as seconds', async () => {
    upstream.handler = (_req, res) =>
      json(res, 429, { code: 20429, message: 'Too Many Requests', status: 429 }, { 'retry-after': '3' });
    const err = await failure();
    expect(err).toBeInstanceOf(TwilioRateLimitError);
    expect(err).toMatchObject({ status: 429, code: 20429, retryable: true, retryAfterMs: 3000 });
  });

  it('reads Retry-After as an HTTP-date', async () => {
    const at = new Date(Date.now() + 10_000);
    upstream.handler = (_req, res) => json(res, 429, { code: 20429 }, { 'retry-after': at.toUTCString() });
    const err = (await failure()) as TwilioRateLimitError;
    expect(err).toBeInstanceOf(TwilioRateLimitError);
    // HTTP-dates have 1 s resolution and the clock moved on a little.
    expect(err.retryAfterMs).toBeGreaterThan(7_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(10_000);
  });

  it('leaves retryAfterMs null when Twilio sends no Retry-After (its usual 429)', async () => {
    upstream.handler = (_req, res) => json(res, 429, { code: 20429, message: 'Too Many Requests', status: 429 });
    const err = (await failure()) as TwilioRateLimitError;
    expect(err).toBeInstanceOf(TwilioRateLimitError);
    expect(err.retryAfterMs).toBeNull();
  });

  it('maps a socket reset to a retryable TwilioNetworkError with a cause', async () => {
    upstream.handler = (req) => req.socket.destroy();
    const err = await failure();
    expect(err).toBeInstanceOf(TwilioNetworkError);
    expect(err.retryable).toBe(true);
    expect(err.status).toBeNull();
    expect(err.cause).toBeInstanceOf(Error);
    expect((err.cause as { code?: string }).code).toBe('UND_ERR_SOCKET');
  });

  it('maps a connection cut mid-body to TwilioNetworkError', async () => {
    upstream.handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"users": [');
      setTimeout(() => req.socket.destroy(), 20);
    };
    await expect(failure()).resolves.toBeInstanceOf(TwilioNetworkError);
  });

  it('times out an upstream that never answers (timeoutMs 200)', async () => {
    upstream.handler = () => undefined;
    const started = Date.now();
    const err = await failure();
    expect(err).toBeInstanceOf(TwilioNetworkError);
    expect(err.retryable).toBe(true);
    expect((err as TwilioNetworkError).reason).toMatch(/timed out after 200 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out a body that stalls after the headers', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"users": [');
    };
    await expect(failure()).resolves.toBeInstanceOf(TwilioNetworkError);
  });

  it('maps a refused connection to TwilioNetworkError', async () => {
    const dead = new TwilioClient({
      baseUrl: 'http://127.0.0.1:1',
      auth: { kind: 'token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN },
      timeoutMs: 1000,
    });
    try {
      const err = await dead.fetchService(SERVICE_SID).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TwilioNetworkError);
      expect((err as TwilioNetworkError).reason).toMatch(/ECONNREFUSED/);
    } finally {
      await dead.close();
    }
  });

  it('gives the caller its own abort reason, not a TwilioError', async () => {
    upstream.handler = () => undefined;
    const ac = new AbortController();
    const reason = new Error('shutting down');
    setTimeout(() => ac.abort(reason), 30);
    await expect(client.fetchUsersPage(SERVICE_SID, undefined, ac.signal)).rejects.toBe(reason);
    await expect(client.fetchUsersPage(SERVICE_SID, undefined, ac.signal)).rejects.toBe(reason);
  });
});
