import { inspect } from 'node:util';
import { TwilioClient, TwilioError, TwilioMalformedResponseError } from '@app/twilio';
import { ACCOUNT_SID, AUTH_TOKEN, FakeUpstream, json, raw, recordingLogger, SERVICE_SID, twilioUser, usersPage } from './support/fake-upstream';

const API_KEY_SID = `SK${'5'.repeat(32)}`;
const API_KEY_SECRET = 'sk_secret_Zq81nV0pL2';
const BASIC = Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');

/** Every way a secret could end up on screen or in a log. */
function renderings(x: unknown): string[] {
  const out = [String(x), inspect(x, { depth: 10, showHidden: true }), JSON.stringify(x) ?? ''];
  if (x instanceof Error) out.push(x.stack ?? '', inspect(x.cause, { depth: 10, showHidden: true }));
  return out;
}

function expectNoSecret(x: unknown, ...secrets: string[]) {
  for (const text of renderings(x)) for (const s of secrets) expect(text).not.toContain(s);
}

describe('TwilioClient credential hygiene', () => {
  let upstream: FakeUpstream;

  beforeEach(async () => {
    upstream = await FakeUpstream.start();
  });
  afterEach(async () => {
    await upstream.close();
  });

  it('does not show the token when the client is inspected or serialized', async () => {
    const client = new TwilioClient({ baseUrl: upstream.base, auth: { kind: 'token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } });
    try {
      expectNoSecret(client, AUTH_TOKEN, BASIC);
      expect(JSON.parse(JSON.stringify(client))).toEqual({ baseUrl: upstream.base, accountSid: ACCOUNT_SID });
      expect(inspect(client)).toContain(ACCOUNT_SID);
    } finally {
      await client.close();
    }
  });

  it('keeps the token out of every error, including ones whose upstream text echoes it', async () => {
    const logger = recordingLogger();
    const client = new TwilioClient({
      baseUrl: upstream.base,
      auth: { kind: 'token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN },
      timeoutMs: 200,
      logger,
      onRequest: () => undefined,
    });
    // A misbehaving proxy that reflects the request back: the snippet and messages must come out redacted.
    const echo = (req: { headers: Record<string, unknown> }) => `echo ${String(req.headers.authorization)} ${AUTH_TOKEN}`;
    const scenarios: Array<(req: any, res: any, base: string) => void> = [
      (req, res) => json(res, 401, { code: 20003, message: echo(req), more_info: echo(req), status: 401 }),
      (req, res) => json(res, 429, { code: 20429, message: echo(req) }, { 'retry-after': '1' }),
      (req, res) => json(res, 500, { message: echo(req) }),
      (req, res) => raw(res, 200, `<html>${echo(req)}</html>`),
      (req, res, base) => json(res, 200, usersPage([twilioUser(1, base, { sid: echo(req) })], base + req.url, null)),
      (req) => req.socket.destroy(),
      () => undefined,
      // Echoed into a field a parse failure quotes (meta.key), across a cut, and into the next page's URL.
      (req, res, base) => json(res, 200, usersPage([], base + req.url, null, { key: echo(req) })),
      (req, res) => raw(res, 200, `${'x'.repeat(190)}${AUTH_TOKEN}`),
      (req, res) => json(res, 500, { message: `${'y'.repeat(490)}${AUTH_TOKEN}` }),
      (req, res, base) => json(res, 200, usersPage([], base + req.url, `${base}/v1/Services/${SERVICE_SID}/Users?PageSize=50&PageToken=${AUTH_TOKEN}`)),
    ];
    const errors: unknown[] = [];
    try {
      for (const s of scenarios) {
        upstream.handler = s;
        errors.push(await client.fetchUsersPage(SERVICE_SID).then((p) => p, (e: unknown) => e));
      }
    } finally {
      await client.close();
    }
    expect(errors.filter((e) => e instanceof TwilioError)).toHaveLength(10);
    const malformed = errors.find((e) => e instanceof TwilioMalformedResponseError) as TwilioMalformedResponseError;
    expect(malformed.bodySnippet).toContain('[REDACTED]');
    expect(String(errors[10])).toMatch(/next_page_url carries a credential/);
    // Not even the first characters of the token: a cut made before redacting would leave them.
    const head = AUTH_TOKEN.slice(0, 8);
    for (const e of errors) expectNoSecret(e, AUTH_TOKEN, BASIC, head);
    expect(logger.calls.length).toBeGreaterThan(0);
    for (const c of logger.calls) expectNoSecret(c, AUTH_TOKEN, BASIC, head);
  });

  it('keeps out what is left of the token when the upstream echoes it cut, re-cased or base64-encoded on its own', async () => {
    const logger = recordingLogger();
    const client = new TwilioClient({ baseUrl: upstream.base, auth: { kind: 'token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, logger });
    const echo = [AUTH_TOKEN.slice(3), AUTH_TOKEN.slice(0, -3).toUpperCase(), Buffer.from(AUTH_TOKEN).toString('base64'), Buffer.from(`x${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')].join(' ');
    const scenarios: Array<(req: any, res: any, base: string) => void> = [
      (req, res) => json(res, 401, { code: 20003, message: echo, more_info: `https://www.twilio.com/docs/errors/20003?e=${echo}` }),
      (req, res) => json(res, 500, { message: echo }),
      (req, res) => raw(res, 200, `<html>${echo}</html>`),
      (req, res, base) => json(res, 200, usersPage([twilioUser(1, base, { sid: echo })], base + req.url, null)),
      (req, res, base) => json(res, 200, usersPage([], base + req.url, `${base}/v1/Services/${SERVICE_SID}/Users?PageSize=50&PageToken=${AUTH_TOKEN.slice(2, 12)}`)),
    ];
    const errors: unknown[] = [];
    try {
      for (const s of scenarios) {
        upstream.handler = s;
        errors.push(await client.fetchUsersPage(SERVICE_SID).then((p) => p, (e: unknown) => e));
      }
    } finally {
      await client.close();
    }
    expect(errors.filter((e) => e instanceof TwilioError)).toHaveLength(4);
    expect(String(errors[4])).toMatch(/next_page_url carries a credential/);
    const windows = Array.from({ length: AUTH_TOKEN.length - 7 }, (_, i) => AUTH_TOKEN.slice(i, i + 8).toLowerCase());
    for (const x of [...errors, ...logger.calls]) {
      for (const text of renderings(x)) for (const w of windows) expect(text.toLowerCase()).not.toContain(w);
    }
  });

  it('sends the API key sid, not the account sid, as the Basic username', async () => {
    upstream.handler = (req, res, base) => json(res, 200, usersPage([], base + req.url, null));
    const client = new TwilioClient({
      baseUrl: upstream.base,
      auth: { kind: 'apiKey', accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET },
    });
    try {
      await client.fetchUsersPage(SERVICE_SID);
      const header = String(upstream.requests[0].headers.authorization);
      expect(header).toBe(`Basic ${Buffer.from(`${API_KEY_SID}:${API_KEY_SECRET}`).toString('base64')}`);
      expect(client.accountSid).toBe(ACCOUNT_SID);
      expectNoSecret(client, API_KEY_SECRET, header.slice('Basic '.length));
    } finally {
      await client.close();
    }
  });

  it('refuses a baseUrl that carries credentials', () => {
    expect(
      () => new TwilioClient({ baseUrl: 'http://a:b@127.0.0.1:1', auth: { kind: 'token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } }),
    ).toThrow(TypeError);
  });
});
