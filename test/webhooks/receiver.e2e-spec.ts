import { request } from 'undici';
import { WebhookStats } from '@app/webhooks';
import { Harness, startHarness, TEST_API_TOKEN, waitFor } from '../support/mirror-harness';
import { RewritingProxy } from './support/rewriting-proxy';
import { sendHook, userEvent } from './support/signed-hooks';

/**
 * The receiver behind a proxy: Twilio (the simulator) calls the proxy's URL, which is WEBHOOK_PUBLIC_URL and what it
 * signs; the proxy forwards to the mirror's own /webhooks/twilio. Signatures, unknown accounts and services, replays,
 * and the answer's timing, over real HTTP, Redis and Postgres.
 */
describe('webhook receiver', () => {
  let h: Harness;
  let proxy: RewritingProxy;
  let publicUrl: string;
  let direct: string;
  let serviceSid: string;
  let otherServiceSid: string;

  const status = async () => {
    await h.mirror.app.get(WebhookStats).flush(); // the counters are written every 200 ms
    const r = await request(`${h.mirror.url}/v1/webhooks`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
    expect(r.statusCode).toBe(200);
    return (await r.body.json()) as { receiver_enabled: boolean; public_url: string; queue: Record<string, number>; accounts: Array<Record<string, any>> };
  };
  const counts = async () => (await status()).accounts.find((a) => a.account_sid === h.sim.accountSid)!;
  const other = async () => (await status()).accounts.find((a) => a.account_sid === 'other')!;
  const fetches = () => h.sim.admin.stats().byRoute['users-fetch'] ?? 0;
  const eventsOf = (sid: string) =>
    h.db.dataSource.query(`SELECT data->>'op' AS op, run_id, data->'after'->>'friendly_name' AS name FROM user_events WHERE user_sid = $1 ORDER BY sequence`, [sid]);
  const firstUser = (service: string) => h.sim.admin.exportUsers(service)[0];

  beforeAll(async () => {
    proxy = await RewritingProxy.start();
    publicUrl = `${proxy.origin}/public/twilio-hooks?tenant=acme`;
    h = await startHarness('hooks_receiver', { roles: 'api,worker,scheduler', sim: { services: '2x20' }, env: { WEBHOOK_PUBLIC_URL: publicUrl } });
    proxy.target = h.mirror.url!;
    direct = `${h.mirror.url}/webhooks/twilio?tenant=acme`;
    [serviceSid, otherServiceSid] = h.sim.serviceSids;
    await h.crawlAll(); // the services are discovered and mirrored: hooks for them are followed
    h.sim.admin.configureWebhooks(h.sim.accountSid, { postWebhookUrl: publicUrl, method: 'POST', filters: ['onUserAdded', 'onUserUpdated'], target: 'webhook' });
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.close();
  });
  beforeEach(() => waitFor(async () => (h.sim.admin.stats().webhooks[h.sim.accountSid]?.pending ?? 0) === 0, 'earlier hooks to be delivered'));

  it('a change in Twilio reaches the mirror through its signed webhook, without a crawl, as the event a crawl would write', async () => {
    const user = firstUser(serviceSid);
    const before = await counts();
    h.sim.admin.updateUser(serviceSid, user.sid, { friendlyName: 'Renamed by a hook' });
    const events = await waitFor(async () => {
      const e = await eventsOf(user.sid);
      return e.length === 2 ? e : null;
    }, 'the updated event');
    expect(events).toEqual([
      { op: 'created', run_id: expect.any(String), name: user.friendly_name },
      { op: 'updated', run_id: null, name: 'Renamed by a hook' },
    ]);
    const after = await waitFor(async () => {
      const c = await counts();
      return c.applied > before.applied ? c : null;
    }, 'the hint to be counted applied');
    expect(after.received - before.received).toBe(1);
    expect(after.queued - before.queued).toBe(1);
    expect(after.updated - before.updated).toBe(1);
    expect(proxy.requests).toBeGreaterThan(0);
    expect(h.sim.admin.stats().webhooks[h.sim.accountSid]).toMatchObject({ failed: 0 });
  });

  it('Method=GET: the parameters in the query of the public URL, signed with it', async () => {
    h.sim.admin.configureWebhooks(h.sim.accountSid, { method: 'GET' });
    try {
      const user = h.sim.admin.exportUsers(serviceSid)[1];
      h.sim.admin.updateUser(serviceSid, user.sid, { friendlyName: 'Renamed over GET' });
      await waitFor(async () => (await eventsOf(user.sid)).some((e: { name: string }) => e.name === 'Renamed over GET'), 'the event of a GET webhook');
    } finally {
      h.sim.admin.configureWebhooks(h.sim.accountSid, { method: 'POST' });
    }
  });

  it('a missing, wrong or misplaced signature is refused with 403 and nothing is fetched or written', async () => {
    const user = firstUser(serviceSid);
    const params = userEvent('onUserUpdated', h.sim.accountSid, serviceSid, user.sid);
    const before = await counts();
    const fetchesBefore = fetches();
    const answers = [
      await sendHook(direct, publicUrl, h.sim.authToken, params, { signature: null }),
      await sendHook(direct, publicUrl, 'not-the-auth-token', params),
      // Signed for other parameters (a changed user), sent with these.
      await sendHook(direct, publicUrl, h.sim.authToken, params, {
        signature: (await import('twilio')).default.getExpectedTwilioSignature(h.sim.authToken, publicUrl, { ...params, UserSid: firstUser(otherServiceSid).sid }),
      }),
      // Signed over the URL the mirror itself sees, not the one Twilio calls.
      await sendHook(direct, direct, h.sim.authToken, params),
      // No account named: nothing to check the signature with.
      await sendHook(direct, publicUrl, h.sim.authToken, { ...params, AccountSid: 'nope' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([403, 403, 403, 403, 403]);
    expect(JSON.parse(answers[0].body)).toEqual({ statusCode: 403, error: 'Forbidden', message: 'X-Twilio-Signature is missing' });
    expect(answers.every((a) => !a.body.includes(h.sim.authToken))).toBe(true);
    const after = await waitFor(async () => {
      const c = await counts();
      return c.rejected - before.rejected === 4 ? c : null;
    }, 'the rejections to be counted');
    expect(after.queued).toBe(before.queued);
    expect(after.coalesced).toBe(before.coalesced);
    expect((await other()).rejected).toBeGreaterThanOrEqual(1);
    const { queue } = await status();
    expect(queue.waiting + queue.active + queue.delayed).toBe(0);
    expect(fetches()).toBe(fetchesBefore);
  });

  it('a valid signature sent straight to the mirror (as the proxy forwards it) is taken; a replay of it only fetches the current state again', async () => {
    const user = h.sim.admin.exportUsers(serviceSid)[2];
    const params = userEvent('onUserUpdated', h.sim.accountSid, serviceSid, user.sid, { FriendlyName: 'forged name' });
    const first = await sendHook(direct, publicUrl, h.sim.authToken, params);
    expect(first).toMatchObject({ status: 200, outcome: 'queued', body: '' });
    // The first point fetch of a user may tell its presence, which list pages never carry: that is an update.
    await waitFor(async () => {
      const { queue } = await status();
      return queue.active + queue.waiting + queue.delayed === 0;
    }, 'the fetch to finish');
    const eventsBefore = (await eventsOf(user.sid)).length;
    const replays = await Promise.all([1, 2, 3].map(() => sendHook(direct, publicUrl, h.sim.authToken, params)));
    expect(replays.map((r) => r.status)).toEqual([200, 200, 200]);
    await waitFor(async () => {
      const { queue } = await status();
      return queue.active + queue.waiting + queue.delayed === 0;
    }, 'the replays to be fetched');
    // The user did not change in Twilio: no event, and the payload's own fields were never written.
    expect((await eventsOf(user.sid)).length).toBe(eventsBefore);
    const [row] = await h.db.dataSource.query('SELECT friendly_name FROM users WHERE sid = $1', [user.sid]);
    expect(row.friendly_name).toBe(user.friendly_name);
  });

  it('a hook for an account, a service or an event the mirror does not follow is answered 200 and ignored', async () => {
    const user = firstUser(serviceSid);
    const before = await counts();
    const otherBefore = (await other()).ignored;
    const strangerAccount = 'AC' + '9'.repeat(32);
    const answers = [
      await sendHook(direct, publicUrl, 'their-token', userEvent('onUserUpdated', strangerAccount, serviceSid, user.sid)),
      await sendHook(direct, publicUrl, h.sim.authToken, userEvent('onUserUpdated', h.sim.accountSid, 'IS' + '7'.repeat(32), user.sid)),
      await sendHook(direct, publicUrl, h.sim.authToken, { ...userEvent('onUserUpdated', h.sim.accountSid, serviceSid, user.sid), EventType: 'onMessageAdded' }),
      await sendHook(direct, publicUrl, h.sim.authToken, { ...userEvent('onUserUpdated', h.sim.accountSid, serviceSid, user.sid), EventType: 'onUserUpdate' }),
    ];
    expect(answers.map((a) => [a.status, a.outcome])).toEqual([
      [200, 'ignored: account not mirrored'],
      [200, 'ignored: service not mirrored'],
      [200, 'ignored: not a user post-event (onMessageAdded)'],
      [200, 'ignored: not a user post-event (onUserUpdate)'],
    ]);
    const after = await waitFor(async () => {
      const c = await counts();
      return c.ignored - before.ignored === 3 ? c : null;
    }, 'the ignored hooks to be counted');
    expect(after.queued).toBe(before.queued);
    expect((await other()).ignored - otherBefore).toBe(1);
  });

  it('answers at once while the upstream is slow: the fetch happens after the answer', async () => {
    const user = h.sim.admin.exportUsers(serviceSid)[3];
    h.sim.admin.setBehavior({ latencyMs: 6000 });
    try {
      h.sim.admin.updateUser(serviceSid, user.sid, { friendlyName: 'Changed while Twilio is slow' });
      const sent = await sendHook(direct, publicUrl, h.sim.authToken, userEvent('onUserUpdated', h.sim.accountSid, serviceSid, user.sid));
      expect(sent.status).toBe(200);
      expect(sent.ms).toBeLessThan(1000);
      const answeredAt = Date.now();
      await waitFor(async () => (await eventsOf(user.sid)).some((e: { name: string }) => e.name === 'Changed while Twilio is slow'), 'the slow fetch to land', 30_000);
      // Twilio's 5 s would have run out had the answer waited for the fetch.
      expect(Date.now() - answeredAt).toBeGreaterThan(4000);
    } finally {
      h.sim.admin.setBehavior({ latencyMs: 0 });
    }
  });
});
