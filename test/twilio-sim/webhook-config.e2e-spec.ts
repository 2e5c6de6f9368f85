import twilio from 'twilio';
import { startSimulator, type RunningSimulator } from '@app/twilio-sim';
import { basicAuth, defaultAuth, twilioGet, type SimResponse } from './support/sim-http';
import { TwilioSpec, explain } from './support/twilio-spec';

const ACCOUNT_PATH = '/v1/Configuration/Webhooks';
const SERVICE_PATH = '/v1/Services/{ChatServiceSid}/Configuration/Webhooks';
const ACCOUNT_SCHEMA = 'conversations.v1.configuration.configuration_webhook';
const SERVICE_SCHEMA = 'conversations.v1.service.service_configuration.service_webhook_configuration';

/** A Twilio-style form POST: repeated names for lists, as the Twilio API and SDKs send them. */
async function twilioPost(sim: RunningSimulator, path: string, form: Array<[string, string]>, authorization = defaultAuth(sim)): Promise<SimResponse> {
  const response = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

describe('webhook configuration on the Twilio surface (official OpenAPI schemas)', () => {
  const spec = new TwilioSpec();
  const errorShape = spec.error();
  let sim: RunningSimulator;
  let serviceSid: string;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 9 });
    serviceSid = sim.admin.createService({ friendlyName: 'Hooks' }).sid;
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.admin.configureWebhooks(sim.accountSid, { preWebhookUrl: null, postWebhookUrl: null, method: 'POST', filters: [], target: 'webhook' });
    sim.admin.configureServiceWebhooks(serviceSid, { preWebhookUrl: null, postWebhookUrl: null, method: 'POST', filters: [] });
  });

  test.each([
    [ACCOUNT_PATH, () => ACCOUNT_PATH],
    [SERVICE_PATH, () => `/v1/Services/${serviceSid}/Configuration/Webhooks`],
  ])('every form parameter the spec documents for POST %s sets its field', async (pathKey, path) => {
    const sample = (name: string): string =>
      name.endsWith('Url') ? `https://example.com/${name}` : name === 'Method' ? 'GET' : name === 'Target' ? 'flex' : 'onUserAdded';
    const field = (name: string): string => name.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase();
    const names = spec.formParameters(pathKey, 'post');
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const name of names) {
      const res = await twilioPost(sim, path(), [[name, sample(name)]]);
      expect(res.status).toBe(200);
      const value = res.json[field(name)];
      expect({ name, value: name === 'Filters' ? value[0] : value }).toEqual({ name, value: sample(name) });
    }
  });

  test('account level: GET and form POST (Filters repeated) answer the exact spec resource', async () => {
    const exact = spec.component(ACCOUNT_SCHEMA, true);
    const before = await twilioGet(sim, ACCOUNT_PATH);
    expect(before.status).toBe(200);
    expect(spec.response(ACCOUNT_PATH)(before.json)).toBe(true);
    expect(exact(before.json) || explain(exact)).toBe(true);
    expect(before.json).toEqual({
      account_sid: sim.accountSid,
      method: 'POST',
      filters: [],
      pre_webhook_url: null,
      post_webhook_url: null,
      target: 'webhook',
      url: `${sim.url}${ACCOUNT_PATH}`,
    });

    const updated = await twilioPost(sim, ACCOUNT_PATH, [
      ['PostWebhookUrl', 'https://example.com/post?x=1'],
      ['PreWebhookUrl', 'https://example.com/pre'],
      ['Method', 'GET'],
      ['Filters', 'onUserAdded'],
      ['Filters', 'onUserUpdated'],
      ['Target', 'webhook'],
    ]);
    expect(updated.status).toBe(200);
    expect(updated.headers.get('content-type')).toMatch(/^application\/json/);
    expect(spec.response(ACCOUNT_PATH, 'post')(updated.json)).toBe(true);
    expect(exact(updated.json)).toBe(true);
    expect(updated.json).toMatchObject({
      method: 'GET',
      filters: ['onUserAdded', 'onUserUpdated'],
      pre_webhook_url: 'https://example.com/pre',
      post_webhook_url: 'https://example.com/post?x=1',
    });
    expect((await twilioGet(sim, ACCOUNT_PATH)).json).toEqual(updated.json);

    // Absent parameters stay; an empty URL clears; one Filters value replaces the list.
    const partial = await twilioPost(sim, ACCOUNT_PATH, [['PreWebhookUrl', ''], ['Filters', 'onUserUpdated']]);
    expect(partial.json).toMatchObject({ method: 'GET', pre_webhook_url: null, post_webhook_url: 'https://example.com/post?x=1', filters: ['onUserUpdated'] });
  });

  test('service level: GET and form POST answer the exact spec resource; Target is not a service field', async () => {
    const exact = spec.component(SERVICE_SCHEMA, true);
    const path = `/v1/Services/${serviceSid}/Configuration/Webhooks`;
    const before = await twilioGet(sim, path);
    expect(before.status).toBe(200);
    expect(exact(before.json) || explain(exact)).toBe(true);
    expect(before.json).toEqual({
      account_sid: sim.accountSid,
      chat_service_sid: serviceSid,
      pre_webhook_url: null,
      post_webhook_url: null,
      filters: [],
      method: 'POST',
      url: `${sim.url}${path}`,
    });
    const updated = await twilioPost(sim, path, [
      ['PostWebhookUrl', 'https://example.com/service-post'],
      ['Filters', 'onMessageAdded'],
      ['Filters', 'onParticipantAdded'],
      ['Method', 'post'],
      ['Target', 'nonsense-ignored'],
    ]);
    expect(updated.status).toBe(200);
    expect(spec.response(SERVICE_PATH, 'post')(updated.json)).toBe(true);
    expect(exact(updated.json)).toBe(true);
    expect(updated.json).toMatchObject({ post_webhook_url: 'https://example.com/service-post', filters: ['onMessageAdded', 'onParticipantAdded'], method: 'POST' });
    expect((await twilioGet(sim, path)).json).toEqual(updated.json);
  });

  test('the official twilio SDK configures both levels and reads them back', async () => {
    const client = twilio(sim.accountSid, sim.authToken);
    client.conversations.baseUrl = sim.url;
    const account = await client.conversations.v1.configuration.webhooks().update({
      postWebhookUrl: 'https://example.com/sdk-post',
      method: 'POST',
      filters: ['onUserAdded', 'onUserUpdated'],
      target: 'webhook',
    });
    expect({ post: account.postWebhookUrl, filters: account.filters, method: account.method, target: account.target }).toEqual({
      post: 'https://example.com/sdk-post',
      filters: ['onUserAdded', 'onUserUpdated'],
      method: 'POST',
      target: 'webhook',
    });
    expect((await client.conversations.v1.configuration.webhooks().fetch()).postWebhookUrl).toBe('https://example.com/sdk-post');
    const service = await client.conversations.v1.services(serviceSid).configuration.webhooks().update({ preWebhookUrl: 'https://example.com/sdk-pre', filters: ['onMessageAdd'] });
    expect({ pre: service.preWebhookUrl, filters: service.filters, chatServiceSid: service.chatServiceSid }).toEqual({
      pre: 'https://example.com/sdk-pre',
      filters: ['onMessageAdd'],
      chatServiceSid: serviceSid,
    });
  });

  test.each([
    ['a Method other than GET or POST', [['Method', 'PUT']]],
    ['a Target other than webhook or flex', [['Target', 'studio']]],
    ['a PostWebhookUrl that is not an absolute http(s) URL', [['PostWebhookUrl', 'not a url']]],
    ['a PreWebhookUrl with another scheme', [['PreWebhookUrl', 'ftp://example.com/x']]],
  ] as Array<[string, Array<[string, string]>]>)('400/20001 for %s, and nothing changes', async (_name, form) => {
    const before = (await twilioGet(sim, ACCOUNT_PATH)).json;
    const res = await twilioPost(sim, ACCOUNT_PATH, form);
    expect(res.status).toBe(400);
    expect(errorShape(res.json)).toBe(true);
    expect(res.json.code).toBe(20001);
    expect((await twilioGet(sim, ACCOUNT_PATH)).json).toEqual(before);
  });

  test('auth as the other routes: 401 without credentials, 404 for another account\'s service, 400 for a bad sid', async () => {
    expect((await twilioGet(sim, ACCOUNT_PATH, null)).status).toBe(401);
    expect((await twilioPost(sim, ACCOUNT_PATH, [['Method', 'GET']], basicAuth(sim.accountSid, 'wrong'))).status).toBe(401);
    const other = sim.admin.createAccount();
    const foreign = sim.admin.createService({ accountSid: other.accountSid }).sid;
    const foreignPath = `/v1/Services/${foreign}/Configuration/Webhooks`;
    const notFound = await twilioGet(sim, foreignPath);
    expect(notFound.status).toBe(404);
    expect(notFound.json).toMatchObject({ code: 20404, message: `The requested resource ${foreignPath} was not found` });
    expect((await twilioGet(sim, foreignPath, basicAuth(other.accountSid, other.authToken))).status).toBe(200);
    // The API key authenticates for its account, as on the read routes.
    const viaKey = await twilioGet(sim, ACCOUNT_PATH, basicAuth(other.apiKeys[0].sid, other.apiKeys[0].secret));
    expect(viaKey.json.account_sid).toBe(other.accountSid);
    const bad = await twilioGet(sim, '/v1/Services/ISnothex/Configuration/Webhooks');
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe(20001);
  });
});
