import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { startSimulator, type RunningSimulator, type TwilioUser } from '@app/twilio-sim';
import { adminCall } from './support/sim-http';
import { WebhookReceiver, until, type ReceivedWebhook } from './support/webhook-receiver';

const isoOf = (twilioDate: string): string => new Date(twilioDate).toISOString();

/** What validateRequest is given by a receiver: for a GET the parameters are in the URL, so none are passed. */
function validSignature(token: string, hook: ReceivedWebhook): boolean {
  const signature = String(hook.headers['x-twilio-signature'] ?? '');
  return twilio.validateRequest(token, signature, hook.url, hook.method === 'GET' ? {} : hook.params);
}

describe('user post-event webhooks', () => {
  let sim: RunningSimulator;
  let receiver: WebhookReceiver;
  let serviceSid: string;

  beforeAll(async () => {
    [sim, receiver] = await Promise.all([startSimulator({ seed: 3 }), WebhookReceiver.start()]);
    serviceSid = sim.admin.createService({ friendlyName: 'Hooked' }).sid;
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });
  beforeEach(async () => {
    receiver.dropHanging();
    sim.admin.clearWebhookFaults(sim.accountSid);
    await until('earlier deliveries to settle', () => (sim.admin.stats().webhooks[sim.accountSid]?.pending ?? 0) === 0);
    receiver.clear();
    receiver.answer = 200;
    sim.admin.configureServiceWebhooks(serviceSid, { postWebhookUrl: null, filters: [] });
    sim.admin.configureWebhooks(sim.accountSid, {
      postWebhookUrl: receiver.url('/hooks'),
      method: 'POST',
      filters: ['onUserAdded', 'onUserUpdated'],
      target: 'webhook',
    });
  });

  test('creating a user over the admin sends a signed, form-encoded onUserAdded with the documented parameters', async () => {
    const created = await adminCall(sim, 'POST', `/services/${serviceSid}/users`, {
      identity: 'zoë/名前 +&=?',
      friendlyName: '',
      attributes: '{"emoji":"🎉","quote":"a\\"b"}',
    });
    expect(created.status).toBe(201);
    const user = created.json as TwilioUser;
    const [hook] = await receiver.waitFor(1);
    expect(hook.method).toBe('POST');
    expect(hook.url).toBe(receiver.url('/hooks'));
    expect(hook.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(hook.params).toEqual({
      EventType: 'onUserAdded',
      AccountSid: sim.accountSid,
      ChatServiceSid: serviceSid,
      Source: 'API',
      UserSid: user.sid,
      Identity: 'zoë/名前 +&=?',
      FriendlyName: '',
      Attributes: '{"emoji":"🎉","quote":"a\\"b"}',
      RoleSid: user.role_sid,
      DateCreated: isoOf(user.date_created),
    });
    expect(hook.headers['i-twilio-idempotency-token']).toMatch(/^[0-9a-f]{32}$/);
    // The official package accepts the signature, and only with the right token and the exact parameters.
    expect(validSignature(sim.authToken, hook)).toBe(true);
    expect(validSignature('another-token', hook)).toBe(false);
    expect(twilio.validateRequest(sim.authToken, String(hook.headers['x-twilio-signature']), hook.url, { ...hook.params, Identity: 'zoe' })).toBe(false);
    // The receiver has the request before the simulator has its answer: wait for the count.
    await until('the delivery to be counted', () => sim.admin.stats().webhooks[sim.accountSid].pending === 0);
    expect(sim.admin.stats().webhooks[sim.accountSid]).toMatchObject({ sent: 1, delivered: 1, failed: 0, dropped: 0, duplicated: 0 });
  });

  test('updating a user sends onUserUpdated with the new values, DateUpdated and presence; null fields are left out', async () => {
    const user = sim.admin.createUser(serviceSid, { identity: 'to-update', friendlyName: 'Before' });
    await receiver.waitFor(1);
    const updated = await adminCall(sim, 'POST', `/services/${serviceSid}/users/${user.sid}`, {
      friendlyName: null,
      roleSid: null,
      attributes: '',
      isOnline: true,
      isNotifiable: false,
    });
    expect(updated.status).toBe(200);
    const hooks = await receiver.waitFor(2);
    expect(hooks[1].params).toEqual({
      EventType: 'onUserUpdated',
      AccountSid: sim.accountSid,
      ChatServiceSid: serviceSid,
      Source: 'API',
      UserSid: user.sid,
      Identity: 'to-update',
      Attributes: '',
      DateCreated: isoOf(updated.json.date_created),
      DateUpdated: isoOf(updated.json.date_updated),
      IsOnline: 'true',
      IsNotifiable: 'false',
    });
    expect(validSignature(sim.authToken, hooks[1])).toBe(true);
  });

  test('Method=GET puts the parameters in the query of the configured URL and signs that full URL', async () => {
    sim.admin.configureWebhooks(sim.accountSid, { method: 'GET', postWebhookUrl: receiver.url('/hooks?tenant=one&empty=') });
    const user = sim.admin.createUser(serviceSid, { identity: 'ünïcødé ✓ 🦄', friendlyName: '', attributes: '{"k":"€"}' });
    const [hook] = await receiver.waitFor(1);
    expect(hook.method).toBe('GET');
    expect(hook.rawBody).toBe('');
    expect(hook.url.startsWith(receiver.url('/hooks?tenant=one&empty=&'))).toBe(true);
    expect(hook.params).toMatchObject({ tenant: 'one', empty: '', EventType: 'onUserAdded', UserSid: user.sid, Identity: 'ünïcødé ✓ 🦄', FriendlyName: '' });
    expect(validSignature(sim.authToken, hook)).toBe(true);
    expect(twilio.validateRequest(sim.authToken, String(hook.headers['x-twilio-signature']), hook.url.replace('tenant=one', 'tenant=two'), {})).toBe(false);
  });

  test('a POST with NUL, a lone surrogate, control characters and empty values still validates', async () => {
    sim.admin.createUser(serviceSid, { identity: 'poison\u0000id\u0007', friendlyName: '', attributes: '{"bad":"\\ud800","nul":"\u0000"}\ud800' });
    const [hook] = await receiver.waitFor(1);
    expect(hook.params.Identity).toBe('poison\u0000id\u0007');
    expect(hook.params.FriendlyName).toBe('');
    // A lone surrogate cannot travel as UTF-8: it arrives as U+FFFD, and the signature was computed the same way.
    expect(hook.params.Attributes).toBe('{"bad":"\\ud800","nul":"\u0000"}\ufffd');
    expect(validSignature(sim.authToken, hook)).toBe(true);
  });

  test("without faults an account's webhooks arrive in the order of its mutations", async () => {
    const user = sim.admin.createUser(serviceSid, { identity: 'in-order' });
    for (let i = 1; i <= 30; i++) sim.admin.updateUser(serviceSid, user.sid, { attributes: { step: i } });
    const hooks = await receiver.waitFor(31);
    expect(hooks.map((h) => h.params.EventType === 'onUserAdded' ? 0 : JSON.parse(h.params.Attributes).step)).toEqual(Array.from({ length: 31 }, (_, i) => i));
  });

  test('only enabled events are sent: a pre-event filter name does not enable the post-event', async () => {
    sim.admin.configureWebhooks(sim.accountSid, { filters: ['onUserUpdate', 'onUserAdded'] });
    const user = sim.admin.createUser(serviceSid, { identity: 'filtered' });
    sim.admin.updateUser(serviceSid, user.sid, { friendlyName: 'changed' });
    sim.admin.configureWebhooks(sim.accountSid, { filters: ['onUserUpdated'] });
    sim.admin.createUser(serviceSid, { identity: 'filtered-2' });
    sim.admin.updateUser(serviceSid, user.sid, { friendlyName: 'changed again' });
    const hooks = await receiver.waitFor(2);
    await until('every delivery to finish', () => sim.admin.stats().webhooks[sim.accountSid].pending === 0);
    expect(receiver.received.map((h) => [h.params.EventType, h.params.Identity])).toEqual([
      ['onUserAdded', 'filtered'],
      ['onUserUpdated', 'filtered'],
    ]);
    expect(hooks[1].params.FriendlyName).toBe('changed again');
  });

  test('no event for a delete; a reorder that rewrites fires onUserUpdated, one that only re-serialises does not', async () => {
    sim.admin.configureWebhooks(sim.accountSid, { filters: ['onUserUpdated'] });
    const user = sim.admin.createUser(serviceSid, { identity: 'reordered', attributes: { a: 1, b: 2 } });
    sim.admin.reorderAttributes(serviceSid, user.sid, { touch: false });
    sim.admin.reorderAttributes(serviceSid, user.sid);
    sim.admin.deleteUser(serviceSid, user.sid);
    await receiver.waitFor(1);
    await until('every delivery to finish', () => sim.admin.stats().webhooks[sim.accountSid].pending === 0);
    expect(receiver.received.map((h) => h.params.EventType)).toEqual(['onUserUpdated']);
    expect(JSON.parse(receiver.received[0].params.Attributes)).toEqual({ a: 1, b: 2 });
  });

  test("a service's own PostWebhookUrl silences the account's hooks for that service only", async () => {
    const other = sim.admin.createService({ friendlyName: 'Unscoped' }).sid;
    sim.admin.configureServiceWebhooks(serviceSid, { postWebhookUrl: receiver.url('/service-hooks'), filters: ['onMessageAdded'] });
    sim.admin.createUser(serviceSid, { identity: 'silenced' });
    sim.admin.createUser(other, { identity: 'still-heard' });
    sim.admin.configureServiceWebhooks(serviceSid, { preWebhookUrl: receiver.url('/pre'), postWebhookUrl: '' });
    sim.admin.createUser(serviceSid, { identity: 'heard-again' });
    await receiver.waitFor(2);
    await until('every delivery to finish', () => sim.admin.stats().webhooks[sim.accountSid].pending === 0);
    expect(receiver.received.map((h) => [h.url, h.params.Identity])).toEqual([
      [receiver.url('/hooks'), 'still-heard'],
      [receiver.url('/hooks'), 'heard-again'],
    ]);
  });

  test('a flex target routes inside Twilio: nothing reaches the URL', async () => {
    sim.admin.configureWebhooks(sim.accountSid, { target: 'flex' });
    sim.admin.createUser(serviceSid, { identity: 'to-flex' });
    sim.admin.configureWebhooks(sim.accountSid, { target: 'webhook' });
    sim.admin.createUser(serviceSid, { identity: 'to-url' });
    await receiver.waitFor(1);
    await until('every delivery to finish', () => sim.admin.stats().webhooks[sim.accountSid].pending === 0);
    expect(receiver.received.map((h) => h.params.Identity)).toEqual(['to-url']);
  });

  test("each account's hooks carry its own sids and are signed with its own token", async () => {
    const other = sim.admin.createAccount({ authToken: 'second-account-token' });
    const theirs = sim.admin.createService({ accountSid: other.accountSid }).sid;
    sim.admin.configureWebhooks(other.accountSid, { postWebhookUrl: receiver.url('/other'), filters: ['onUserAdded'] });
    sim.admin.createUser(theirs, { identity: 'theirs' });
    const [hook] = await receiver.waitFor(1);
    expect(hook.params).toMatchObject({ AccountSid: other.accountSid, ChatServiceSid: theirs, Identity: 'theirs' });
    expect(validSignature('second-account-token', hook)).toBe(true);
    expect(validSignature(sim.authToken, hook)).toBe(false);
  });

  test('a bulk create sends one onUserAdded per user', async () => {
    const result = sim.admin.bulkCreateUsers(serviceSid, { count: 40, seed: 5 });
    const hooks = await receiver.waitFor(40);
    const bulkSids = sim.admin.exportUsers(serviceSid).map((u) => u.sid);
    expect(result.created).toBe(40);
    expect(new Set(hooks.map((h) => h.params.UserSid)).size).toBe(40);
    for (const hook of hooks) {
      expect(bulkSids).toContain(hook.params.UserSid);
      expect(validSignature(sim.authToken, hook)).toBe(true);
    }
  });

  test('delivery never blocks the mutation: a receiver that hangs, then drops, costs the admin call nothing', async () => {
    receiver.answer = 'hang';
    const started = performance.now();
    const created = await adminCall(sim, 'POST', `/services/${serviceSid}/users`, { identity: 'while-hanging' });
    expect(created.status).toBe(201);
    expect(performance.now() - started).toBeLessThan(1000);
    await receiver.waitFor(1);
    expect(sim.admin.stats().webhooks[sim.accountSid].pending).toBe(1);
    receiver.dropHanging();
    await until('the cut delivery to count as failed', () => sim.admin.stats().webhooks[sim.accountSid].failed === 1);
    expect(sim.admin.stats().webhooks[sim.accountSid].pending).toBe(0);
  });

  test('a 500 answer and a refused connection count as failed; the simulator keeps serving', async () => {
    sim.admin.resetStats();
    receiver.answer = 500;
    sim.admin.createUser(serviceSid, { identity: 'answered-500' });
    await until('the 500 to count', () => sim.admin.stats().webhooks[sim.accountSid]?.failed === 1);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    sim.admin.configureWebhooks(sim.accountSid, { postWebhookUrl: `http://127.0.0.1:${deadPort}/gone` });
    sim.admin.createUser(serviceSid, { identity: 'refused' });
    await until('the refusal to count', () => sim.admin.stats().webhooks[sim.accountSid].failed === 2);
    expect(sim.admin.stats().webhooks[sim.accountSid]).toMatchObject({ sent: 2, delivered: 0, failed: 2, pending: 0 });
    expect((await adminCall(sim, 'GET', `/services/${serviceSid}/users/refused`)).status).toBe(200);
  });
});
