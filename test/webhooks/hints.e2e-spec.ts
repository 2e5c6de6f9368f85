import { request } from 'undici';
import { WebhookStats } from '@app/webhooks';
import { Harness, startHarness, TEST_API_TOKEN, waitFor } from '../support/mirror-harness';
import { RewritingProxy } from './support/rewriting-proxy';
import { sendHook, userEvent } from './support/signed-hooks';

interface EventRow {
  sequence: number;
  op: string;
  run_id: string | null;
  before: string | null;
  after: string | null;
}

/**
 * Hints end to end: the simulator's signed hooks, its delivery faults (drop, duplicate, delay, reorder), the
 * receiver, the user-fetch queue, the workers' point fetches and the writer, against what really changed upstream.
 */
describe('webhook hints', () => {
  let h: Harness;
  let proxy: RewritingProxy;
  let publicUrl: string;
  let hooked: string;
  let crawled: string;

  const eventsOf = (sid: string): Promise<EventRow[]> =>
    h.db.dataSource.query(
      `SELECT sequence::int, data->>'op' AS op, run_id::text, data->'before'->>'friendly_name' AS before, data->'after'->>'friendly_name' AS after
       FROM user_events WHERE user_sid = $1 ORDER BY sequence`,
      [sid],
    );
  const mirrored = async (sid: string) => (await h.db.dataSource.query('SELECT friendly_name, deleted_at FROM users WHERE sid = $1', [sid]))[0];
  const fetches = () => h.sim.admin.stats().byRoute['users-fetch'] ?? 0;
  const status = async () => {
    const r = await request(`${h.mirror.url}/v1/webhooks`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
    return (await r.body.json()) as { queue: Record<string, number>; accounts: Array<Record<string, any>> };
  };
  /** The counters, with what this process gathered written first (they are written every 200 ms). */
  const counts = async () => {
    await h.mirror.app.get(WebhookStats).flush();
    return (await status()).accounts.find((a) => a.account_sid === h.sim.accountSid)!;
  };
  /** Every hook sent and answered, and every fetch they queued done. */
  const settled = () =>
    waitFor(async () => {
      if ((h.sim.admin.stats().webhooks[h.sim.accountSid]?.pending ?? 0) > 0) return false;
      const { queue } = await status();
      return queue.waiting + queue.active + queue.delayed === 0;
    }, 'the hooks to be delivered and their fetches done', 60_000);

  beforeAll(async () => {
    proxy = await RewritingProxy.start();
    publicUrl = `${proxy.origin}/twilio/hooks`;
    h = await startHarness('hooks_hints', {
      roles: 'api,worker,scheduler',
      sim: { services: '1x40,1x1500' },
      env: { WEBHOOK_PUBLIC_URL: publicUrl, WEBHOOK_HOT_USER_INTERVAL_MS: '1000' },
    });
    proxy.target = h.mirror.url!;
    [hooked, crawled] = h.sim.serviceSids;
    await h.crawlAll();
  });
  afterAll(async () => {
    await h?.close();
    await proxy?.close();
  });
  beforeEach(async () => {
    h.sim.admin.clearWebhookFaults(h.sim.accountSid);
    h.sim.admin.configureWebhooks(h.sim.accountSid, { postWebhookUrl: publicUrl, method: 'POST', filters: ['onUserAdded', 'onUserUpdated'], target: 'webhook' });
    await settled();
  });

  it('a burst of 1,000 hooks for 10 users in about a second costs a few fetches per user, and leaves each on its last state', async () => {
    const users = h.sim.admin.exportUsers(hooked).slice(0, 10);
    // The changes are made upstream at once; their hooks are then sent as Twilio would, many at a time (the
    // simulator sends one at a time per account, which spreads 1,000 hooks over seconds).
    h.sim.admin.configureWebhooks(h.sim.accountSid, { filters: [] });
    const hooks: Array<Record<string, string>> = [];
    for (let v = 1; v <= 100; v++) {
      for (const u of users) {
        h.sim.admin.updateUser(hooked, u.sid, { friendlyName: `burst v${v}` });
        hooks.push(userEvent('onUserUpdated', h.sim.accountSid, hooked, u.sid));
      }
    }
    const fetchesBefore = fetches();
    const before = await counts();
    const started = Date.now();
    let next = 0;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < hooks.length) statuses.push((await sendHook(`${h.mirror.url}/webhooks/twilio`, publicUrl, h.sim.authToken, hooks[next++])).status);
      }),
    );
    const sentMs = Date.now() - started;
    await settled();
    const settledMs = Date.now() - started;
    const used = fetches() - fetchesBefore;
    const after = await counts();
    // A fetch at once, one right after it for hooks that came while it ran, then one a second while they keep coming
    // (the pace's token bucket: two, and one more a second), until the last state is read.
    const bound = users.length * (2 + Math.ceil(settledMs / 1000));
    console.log(`burst: 1,000 hooks for 10 users sent in ${sentMs} ms, settled in ${settledMs} ms, ${used} fetches (bound ${bound}), ${after.coalesced - before.coalesced} coalesced`);
    expect(statuses.filter((s) => s === 200).length).toBe(1000);
    expect(after.received - before.received).toBe(1000);
    expect(after.queued + after.coalesced - before.queued - before.coalesced).toBe(1000);
    expect(used).toBeGreaterThanOrEqual(users.length);
    expect(used).toBeLessThanOrEqual(bound);
    for (const u of users) {
      expect(await mirrored(u.sid)).toMatchObject({ friendly_name: 'burst v100' });
      const versions = (await eventsOf(u.sid)).filter((e) => e.run_id === null).map((e) => Number(e.after!.split('v')[1]));
      expect(versions).toEqual([...versions].sort((a, b) => a - b)); // never backwards
      expect(versions[versions.length - 1]).toBe(100);
    }
  });

  it('duplicated and reordered hooks: one event per real change, in order', async () => {
    h.sim.admin.setWebhookFaults(h.sim.accountSid, { duplicateRate: 1, reorderWindow: 4, reorderMaxHoldMs: 200, seed: 11 });
    const users = h.sim.admin.exportUsers(hooked).slice(10, 14);
    const before = new Map(await Promise.all(users.map(async (u) => [u.sid, (await eventsOf(u.sid)).length] as const)));
    for (let v = 1; v <= 3; v++) {
      for (const u of users) h.sim.admin.updateUser(hooked, u.sid, { friendlyName: `step ${v}` });
      // Each change is applied before the next is made, so that each is a change the mirror can see.
      await waitFor(async () => (await Promise.all(users.map((u) => mirrored(u.sid)))).every((m) => m.friendly_name === `step ${v}`), `step ${v} to be mirrored`);
    }
    await settled();
    expect(h.sim.admin.stats().webhooks[h.sim.accountSid].duplicated).toBeGreaterThanOrEqual(12);
    for (const u of users) {
      const events = (await eventsOf(u.sid)).slice(before.get(u.sid));
      expect(events.map((e) => [e.op, e.before, e.after])).toEqual([
        ['updated', u.friendly_name, 'step 1'],
        ['updated', 'step 1', 'step 2'],
        ['updated', 'step 2', 'step 3'],
      ]);
    }
  });

  it('a lost hook: nothing until the next crawl, which writes the change with its event', async () => {
    h.sim.admin.setWebhookFaults(h.sim.accountSid, { dropRate: 1 });
    const user = h.sim.admin.exportUsers(hooked)[20];
    const before = (await eventsOf(user.sid)).length;
    h.sim.admin.updateUser(hooked, user.sid, { friendlyName: 'changed, hook lost' });
    await waitFor(async () => h.sim.admin.stats().webhooks[h.sim.accountSid].dropped > 0, 'the hook to be dropped');
    await settled();
    expect((await eventsOf(user.sid)).length).toBe(before);
    const [run] = await h.crawl([hooked]);
    const events = (await eventsOf(user.sid)).slice(before);
    expect(events).toEqual([expect.objectContaining({ op: 'updated', run_id: run.id, after: 'changed, hook lost' })]);
  });

  it('a hook for a user deleted meanwhile: Twilio answers 20404 to the fetch and the deletion is announced', async () => {
    h.sim.admin.setWebhookFaults(h.sim.accountSid, { delayMs: 300 });
    const user = h.sim.admin.exportUsers(hooked)[21];
    h.sim.admin.updateUser(hooked, user.sid, { friendlyName: 'last words' });
    h.sim.admin.deleteUser(hooked, user.sid); // Twilio sends no hook for this
    await waitFor(async () => (await eventsOf(user.sid)).some((e) => e.op === 'deleted'), 'the deleted event');
    const events = await eventsOf(user.sid);
    expect(events[events.length - 1]).toMatchObject({ op: 'deleted', run_id: null, before: user.friendly_name, after: null });
    expect((await mirrored(user.sid)).deleted_at).not.toBeNull();
    expect((await counts()).deleted).toBeGreaterThanOrEqual(1);
  });

  it('a 20404 for a user of a service Twilio no longer has deletes nothing', async () => {
    const gone = h.sim.admin.createService({ friendlyName: 'Soon gone' }).sid;
    const user = h.sim.admin.createUser(gone, { identity: 'stays-mirrored' });
    await h.crawl([gone]);
    h.sim.admin.deleteService(gone);
    const before = await counts();
    // The receiver learns of a newly mirrored service within a second or so (it reads the services table).
    await waitFor(
      async () => (await sendHook(`${h.mirror.url}/webhooks/twilio`, publicUrl, h.sim.authToken, userEvent('onUserUpdated', h.sim.accountSid, gone, user.sid))).outcome === 'queued',
      'the receiver to follow the new service',
    );
    await waitFor(async () => (await counts()).applied > before.applied, 'the hint to be applied');
    await settled();
    expect((await mirrored(user.sid)).deleted_at).toBeNull();
    expect((await eventsOf(user.sid)).map((e) => e.op)).toEqual(['created']);
  });

  it('a crawl and hooks for the same users at once: every event starts where the one before ended, and the mirror ends as Twilio is', async () => {
    const users = h.sim.admin.exportUsers(crawled).filter((_, i) => i % 30 === 0); // 50 users spread over the pages
    const before = new Map(await Promise.all(users.map(async (u) => [u.sid, (await eventsOf(u.sid)).length] as const)));
    h.sim.admin.setBehavior({ latencyMs: 15 }); // pages take a while, so the changes land while the crawl runs
    try {
      const crawling = h.crawl([crawled]);
      for (let v = 1; v <= 4; v++) {
        for (const u of users) h.sim.admin.updateUser(crawled, u.sid, { friendlyName: `race v${v}` });
        await new Promise((r) => setTimeout(r, 150)); // spread the changes over the crawl (the pace of changes, not a wait for a condition)
      }
      const [run] = await crawling;
      expect(run.status).toBe('succeeded');
      await settled();
    } finally {
      h.sim.admin.setBehavior({ latencyMs: 0 });
    }
    for (const u of users) {
      const events = (await eventsOf(u.sid)).slice(before.get(u.sid));
      for (let i = 1; i < events.length; i++) expect(events[i].before).toBe(events[i - 1].after);
      // Never backwards. (A version can show twice in a row: the first point fetch of a user tells its presence.)
      const versions = events.map((e) => Number(e.after!.split('v')[1]));
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      expect(await mirrored(u.sid)).toMatchObject({ friendly_name: 'race v4' });
    }
    // Nothing left to reconcile: a crawl now finds no change.
    const [again] = await h.crawl([crawled]);
    expect(again).toMatchObject({ status: 'succeeded', created: 0, updated: 0, deleted: 0 });
  });
});
