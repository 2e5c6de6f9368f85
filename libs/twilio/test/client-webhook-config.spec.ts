import type { IncomingMessage } from 'node:http';
import { TwilioAuthError, TwilioClient, TwilioMalformedResponseError, type RequestLimiter } from '@app/twilio';
import { ACCOUNT_SID, AUTH_TOKEN, FakeUpstream, json, SERVICE_SID, twilioUser, userSid } from './support/fake-upstream';

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (text += c));
    req.on('end', () => resolve(text));
  });
}

const config = (over: Record<string, unknown> = {}) => ({
  account_sid: ACCOUNT_SID,
  pre_webhook_url: null,
  post_webhook_url: 'https://hooks.example.com/twilio',
  method: 'POST',
  filters: ['onMessageAdded', 'onUserAdded'],
  target: 'webhook',
  url: 'https://conversations.twilio.com/v1/Configuration/Webhooks',
  ...over,
});

describe('TwilioClient webhook configuration and request times', () => {
  let upstream: FakeUpstream;
  let client: TwilioClient;
  const leases: string[] = [];
  const limiter: RequestLimiter = {
    async acquire() {
      leases.push('acquire');
      return { release: (outcome) => void leases.push(`release:${outcome}`) };
    },
  };

  beforeEach(async () => {
    leases.length = 0;
    upstream = await FakeUpstream.start();
    client = new TwilioClient({ baseUrl: upstream.base, auth: { kind: 'token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, timeoutMs: 2000, limiter });
  });
  afterEach(async () => {
    await client.close();
    await upstream.close();
  });

  it("reads the account's configuration; an unset URL (null or empty) is null and missing filters are none", async () => {
    upstream.handler = (req, res) => json(res, 200, req.url === '/v1/Configuration/Webhooks' ? config({ pre_webhook_url: '', filters: undefined }) : {});
    expect(await client.fetchWebhookConfig()).toEqual({
      accountSid: ACCOUNT_SID,
      method: 'POST',
      preWebhookUrl: null,
      postWebhookUrl: 'https://hooks.example.com/twilio',
      filters: [],
      target: 'webhook',
    });
    expect(upstream.requests[0]).toMatchObject({ method: 'GET', url: '/v1/Configuration/Webhooks' });
    expect(upstream.requests[0].headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
    expect(leases).toEqual(['acquire', 'release:ok']);
  });

  it('updates it with a form-encoded POST of the given fields only, Filters repeated, on the shared budget', async () => {
    let form = '';
    upstream.handler = async (req, res) => {
      form = await body(req);
      json(res, 200, config({ post_webhook_url: 'https://mirror.example.com/webhooks/twilio?x=1&y=2', filters: ['onMessageAdded', 'onUserAdded', 'onUserUpdated'] }));
    };
    const after = await client.updateWebhookConfig({
      postWebhookUrl: 'https://mirror.example.com/webhooks/twilio?x=1&y=2',
      filters: ['onMessageAdded', 'onUserAdded', 'onUserUpdated'],
    });
    expect(upstream.requests[0]).toMatchObject({ method: 'POST', url: '/v1/Configuration/Webhooks' });
    expect(upstream.requests[0].headers['content-type']).toBe('application/x-www-form-urlencoded');
    const sent = new URLSearchParams(form);
    expect([...sent.keys()]).toEqual(['PostWebhookUrl', 'Filters', 'Filters', 'Filters']);
    expect(sent.get('PostWebhookUrl')).toBe('https://mirror.example.com/webhooks/twilio?x=1&y=2');
    expect(sent.getAll('Filters')).toEqual(['onMessageAdded', 'onUserAdded', 'onUserUpdated']);
    expect(after.filters).toEqual(['onMessageAdded', 'onUserAdded', 'onUserUpdated']);
    expect(leases).toEqual(['acquire', 'release:ok']);
  });

  it('reads a service-level configuration, and refuses an answer for another service', async () => {
    const path = `/v1/Services/${SERVICE_SID}/Configuration/Webhooks`;
    upstream.handler = (_req, res) => json(res, 200, { ...config({ target: undefined }), chat_service_sid: SERVICE_SID, post_webhook_url: null, filters: [] });
    expect(await client.fetchServiceWebhookConfig(SERVICE_SID)).toMatchObject({ chatServiceSid: SERVICE_SID, postWebhookUrl: null, filters: [] });
    expect(upstream.requests[0].url).toBe(path);
    upstream.handler = (_req, res) => json(res, 200, { ...config(), chat_service_sid: 'IS' + 'f'.repeat(32) });
    await expect(client.fetchServiceWebhookConfig(SERVICE_SID)).rejects.toBeInstanceOf(TwilioMalformedResponseError);
  });

  it('types refusals and malformed answers like any other call', async () => {
    upstream.handler = (_req, res) => json(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
    await expect(client.updateWebhookConfig({ filters: ['onUserAdded'] })).rejects.toMatchObject({ name: 'TwilioAuthError', method: 'POST', status: 401 });
    await expect(client.fetchWebhookConfig()).rejects.toBeInstanceOf(TwilioAuthError);
    upstream.handler = (_req, res) => json(res, 200, config({ filters: 'onUserAdded' }));
    await expect(client.fetchWebhookConfig()).rejects.toThrow(/filters is not a list of strings/);
  });

  it('tells when a point fetch and a page request went out: after the budget granted them, before the answer', async () => {
    let slow: () => void = () => undefined;
    const granted = new Promise<void>((resolve) => (slow = resolve));
    const waiting: RequestLimiter = {
      async acquire() {
        await granted;
        return { release: () => undefined };
      },
    };
    const gated = new TwilioClient({ baseUrl: upstream.base, auth: { kind: 'token', accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, limiter: waiting });
    let answeredAt = 0;
    upstream.handler = (req, res, base) =>
      setTimeout(() => {
        answeredAt = Date.now();
        if (req.url!.includes('/Users/')) json(res, 200, twilioUser(1, base));
        else json(res, 200, { users: [twilioUser(1, base)], meta: { key: 'users', next_page_url: null, page: 0, page_size: 50 } });
      }, 30);
    try {
      const asked = Date.now();
      const read = gated.readUser(SERVICE_SID, userSid(1));
      await new Promise((r) => setTimeout(r, 50)); // the budget holds the request back this long
      const released = Date.now();
      slow();
      const { user, requestedAt } = await read;
      expect(user.sid).toBe(userSid(1));
      expect(requestedAt).toBeGreaterThanOrEqual(released);
      expect(requestedAt).toBeGreaterThan(asked);
      expect(requestedAt).toBeLessThan(answeredAt);
      const envelope = await gated.fetchUsersEnvelope(SERVICE_SID);
      expect(envelope.requestedAt).toBeLessThan(answeredAt);
      expect(envelope.requestedAt).toBeGreaterThan(requestedAt);
    } finally {
      await gated.close();
    }
  });
});
