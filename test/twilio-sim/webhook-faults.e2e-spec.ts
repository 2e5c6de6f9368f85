import { startSimulator, type RunningSimulator, type WebhookFaults } from '@app/twilio-sim';
import { adminCall } from './support/sim-http';
import { WebhookReceiver, until, type ReceivedWebhook } from './support/webhook-receiver';

/** A simulator whose default account sends onUserAdded/onUserUpdated to `path` on the receiver. */
async function hookedSimulator(receiver: WebhookReceiver, path: string, seed = 17): Promise<{ sim: RunningSimulator; serviceSid: string }> {
  const sim = await startSimulator({ seed });
  const serviceSid = sim.admin.createService().sid;
  sim.admin.configureWebhooks(sim.accountSid, { postWebhookUrl: receiver.url(path), filters: ['onUserAdded', 'onUserUpdated'] });
  return { sim, serviceSid };
}

const settled = (sim: RunningSimulator) => (): boolean => (sim.admin.stats().webhooks[sim.accountSid]?.pending ?? 0) === 0;
const onPath = (receiver: WebhookReceiver, path: string): ReceivedWebhook[] => receiver.received.filter((h) => h.url.endsWith(path));
const identities = (hooks: ReceivedWebhook[]): string[] => hooks.map((h) => h.params.Identity);

describe('webhook delivery faults', () => {
  let receiver: WebhookReceiver;
  let sim: RunningSimulator;
  let serviceSid: string;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    ({ sim, serviceSid } = await hookedSimulator(receiver, '/main'));
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });
  beforeEach(async () => {
    // Clearing releases whatever an earlier test left held for reordering; then everything can settle.
    sim.admin.clearWebhookFaults(sim.accountSid);
    await until('earlier deliveries to settle', settled(sim));
    sim.admin.resetStats();
    receiver.clear();
  });

  function createUsers(prefix: string, count: number): string[] {
    return Array.from({ length: count }, (_, i) => sim.admin.createUser(serviceSid, { identity: `${prefix}-${i}` }).identity);
  }

  test('dropRate drops a share of the events, counted, and the rest arrive once', async () => {
    sim.admin.setWebhookFaults(sim.accountSid, { dropRate: 0.5 });
    const sent = createUsers('drop', 60);
    await until('deliveries to settle', settled(sim));
    const stats = sim.admin.stats().webhooks[sim.accountSid];
    expect(stats.dropped + stats.delivered).toBe(60);
    expect(stats.dropped).toBeGreaterThan(15);
    expect(stats.dropped).toBeLessThan(45);
    expect(receiver.received).toHaveLength(stats.delivered);
    expect(identities(receiver.received).every((id) => sent.includes(id))).toBe(true);
    expect(new Set(identities(receiver.received)).size).toBe(stats.delivered);
  });

  test('duplicateRate sends a share twice: same body, signature and idempotency token', async () => {
    sim.admin.setWebhookFaults(sim.accountSid, { duplicateRate: 0.5 });
    createUsers('dup', 40);
    await until('deliveries to settle', settled(sim));
    const stats = sim.admin.stats().webhooks[sim.accountSid];
    expect(stats.duplicated).toBeGreaterThan(8);
    expect(stats.duplicated).toBeLessThan(32);
    expect(receiver.received).toHaveLength(40 + stats.duplicated);
    const byToken = new Map<string, ReceivedWebhook[]>();
    for (const hook of receiver.received) {
      const token = String(hook.headers['i-twilio-idempotency-token']);
      byToken.set(token, [...(byToken.get(token) ?? []), hook]);
    }
    expect(byToken.size).toBe(40);
    const pairs = [...byToken.values()].filter((copies) => copies.length === 2);
    expect(pairs).toHaveLength(stats.duplicated);
    for (const [a, b] of pairs) {
      expect(b.rawBody).toBe(a.rawBody);
      expect(b.headers['x-twilio-signature']).toBe(a.headers['x-twilio-signature']);
    }
  });

  test('delayMs ± delayJitterMs holds each copy back, never below zero', async () => {
    sim.admin.setWebhookFaults(sim.accountSid, { delayMs: 300, delayJitterMs: 150 });
    const started = new Map<string, number>();
    for (let i = 0; i < 10; i++) {
      started.set(`late-${i}`, performance.now());
      sim.admin.createUser(serviceSid, { identity: `late-${i}` });
    }
    expect(sim.admin.stats().webhooks[sim.accountSid].pending).toBe(10);
    await receiver.waitFor(10);
    const waits = receiver.received.map((h) => h.at - (started.get(h.params.Identity) as number));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(145);
    expect(Math.max(...waits)).toBeLessThan(450 + 2500); // generous: a loaded machine only ever adds
    expect(Math.max(...waits) - Math.min(...waits)).toBeGreaterThan(20);
  });

  test('reorderWindow holds copies and releases each full window shuffled', async () => {
    sim.admin.setWebhookFaults(sim.accountSid, { reorderWindow: 5, reorderMaxHoldMs: 60_000 });
    const sent = createUsers('order', 10);
    const hooks = await receiver.waitFor(10);
    const got = identities(hooks);
    expect(got).not.toEqual(sent);
    expect([...got.slice(0, 5)].sort()).toEqual([...sent.slice(0, 5)].sort());
    expect([...got.slice(5)].sort()).toEqual([...sent.slice(5)].sort());
    expect(got.slice(0, 5)).not.toEqual(sent.slice(0, 5));
    expect(got.slice(5)).not.toEqual(sent.slice(5));
  });

  test('held copies are released after reorderMaxHoldMs, or at once by a flush', async () => {
    sim.admin.setWebhookFaults(sim.accountSid, { reorderWindow: 100, reorderMaxHoldMs: 250 });
    const started = performance.now();
    const timed = createUsers('timed', 3);
    const hooks = await receiver.waitFor(3);
    expect(hooks[0].at - started).toBeGreaterThanOrEqual(240);
    expect(identities(hooks)).not.toEqual(timed);

    await until('the timed copies to be counted', settled(sim));
    receiver.clear();
    sim.admin.setWebhookFaults(sim.accountSid, { reorderMaxHoldMs: 600_000 });
    createUsers('flushed', 4);
    expect(sim.admin.stats().webhooks[sim.accountSid].pending).toBe(4);
    expect((await adminCall(sim, 'POST', '/webhooks/flush', { accountSid: sim.accountSid })).status).toBe(204);
    await receiver.waitFor(4);
  });

  test('the same seed and the same events give the same drops, duplicates and order; another seed does not', async () => {
    const faults: Partial<WebhookFaults> = { dropRate: 0.3, duplicateRate: 0.3, reorderWindow: 4, reorderMaxHoldMs: 100 };
    const run = async (path: string, seed: number): Promise<string[]> => {
      const { sim: other, serviceSid: service } = await hookedSimulator(receiver, path, seed);
      try {
        other.admin.setWebhookFaults(other.accountSid, faults);
        for (let i = 0; i < 30; i++) other.admin.createUser(service, { identity: `same-${i}` });
        await until('deliveries to settle', settled(other));
        return identities(onPath(receiver, path));
      } finally {
        await other.close();
      }
    };
    const [a, b, c] = [await run('/a', 5), await run('/b', 5), await run('/c', 6)];
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a).size).toBeLessThan(30);
    expect(a.length).toBeGreaterThan(new Set(a).size);
  });

  test('concurrency: one delivery in flight per account by default, up to the setting when raised', async () => {
    receiver.answer = 'hang';
    try {
      createUsers('one-at-a-time', 4);
      await until('the first delivery', () => receiver.received.length === 1);
      // The receiver holds it: nothing else of the account is sent meanwhile.
      expect(sim.admin.stats().webhooks[sim.accountSid]).toMatchObject({ sent: 1, pending: 4 });
      receiver.answer = 200;
      receiver.dropHanging();
      await until('the rest, one after another', () => receiver.received.length === 4);
      await until('deliveries to settle', settled(sim));
      receiver.clear();
      sim.admin.resetStats();

      receiver.answer = 'hang';
      sim.admin.setWebhookFaults(sim.accountSid, { concurrency: 3 });
      createUsers('three-at-a-time', 5);
      await until('three deliveries at once', () => receiver.received.length === 3);
      expect(sim.admin.stats().webhooks[sim.accountSid]).toMatchObject({ sent: 3, pending: 5 });
      receiver.answer = 200;
      receiver.dropHanging();
      await until('the rest', () => receiver.received.length === 5);
      await until('deliveries to settle', settled(sim));
    } finally {
      receiver.answer = 200;
      receiver.dropHanging();
    }
  });

  test('settings over the admin HTTP surface: per account, validated, cleared', async () => {
    const path = `/accounts/${sim.accountSid}/webhook-faults`;
    const set = await adminCall(sim, 'PUT', path, { dropRate: 0.25, delayMs: 10, seed: 99 });
    expect(set.status).toBe(200);
    expect(set.json).toEqual({ dropRate: 0.25, duplicateRate: 0, delayMs: 10, delayJitterMs: 0, reorderWindow: 0, reorderMaxHoldMs: 1000, seed: 99, concurrency: 1 });
    expect((await adminCall(sim, 'PUT', path, { duplicateRate: 0.5 })).json).toMatchObject({ dropRate: 0.25, duplicateRate: 0.5 });
    expect((await adminCall(sim, 'GET', path)).json).toMatchObject({ dropRate: 0.25, duplicateRate: 0.5, seed: 99 });
    for (const bad of [{ dropRate: 2 }, { delayMs: -1 }, { reorderWindow: 1.5 }, { bogus: true }, { concurrency: 0 }, { concurrency: 65 }]) {
      expect((await adminCall(sim, 'PUT', path, bad)).status).toBe(400);
    }
    expect(() => sim.admin.setWebhookFaults(sim.accountSid, { duplicateRate: -0.1 })).toThrow('duplicateRate');
    expect((await adminCall(sim, 'GET', '/accounts/ACffffffffffffffffffffffffffffffff/webhook-faults')).status).toBe(404);
    expect((await adminCall(sim, 'DELETE', path)).status).toBe(204);
    expect((await adminCall(sim, 'GET', path)).json).toMatchObject({ dropRate: 0, duplicateRate: 0, delayMs: 0 });
  });

  test('a reset forgets the settings and every copy not sent yet', async () => {
    const { sim: other, serviceSid: service } = await hookedSimulator(receiver, '/reset');
    try {
      other.admin.setWebhookFaults(other.accountSid, { delayMs: 60_000 });
      other.admin.createUser(service, { identity: 'never' });
      expect(other.admin.stats().webhooks[other.accountSid].pending).toBe(1);
      other.admin.reset();
      expect(other.admin.stats().webhooks).toEqual({});
      expect(other.admin.getWebhookFaults(other.accountSid).delayMs).toBe(0);
    } finally {
      await other.close();
    }
    expect(onPath(receiver, '/reset')).toEqual([]);
  });
});
