import { userChangedSchema } from '@app/events';
import { CrawlQueue } from '@app/queue';
import type { TwilioUser } from '@app/twilio-sim';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import Redis from 'ioredis';
import { Harness, startHarness } from '../support/mirror-harness';
import { REDIS_URL } from '../support/test-redis';
import { FeedApp, RelayApp, startFeedApp, startRelayApp, waitUntil } from './support/events-apps';
import { reorderAttributeKeysOnly } from './support/sim-mutations';
import { readStream, StreamedEvent } from './support/stream-reader';

const USERS = 160;
const T = 'io.github.twilio-mirror.conversations.user.';

/**
 * The end-to-end case: simulator → crawl → outbox → relay → Redis Stream and HTTP feed. Every real
 * change once, in order, with before/after; nothing for what did not change; nothing deleted on a failed run.
 */
describe('user-changed events end to end', () => {
  let h: Harness;
  let relay: RelayApp;
  let feed: FeedApp;
  let redis: Redis;
  let serviceSid: string;
  const validate = addFormats(new Ajv2020({ allErrors: true })).compile(userChangedSchema);

  beforeAll(async () => {
    // No in-place page retries: a page that fails once fails its run (the failed-run case below).
    h = await startHarness('user-events', { sim: { services: `1x${USERS}`, seed: 21 }, env: { CRAWL_MAX_RETRIES: '0' } });
    relay = await startRelayApp(h.config);
    feed = await startFeedApp(h.config);
    redis = new Redis(REDIS_URL);
    serviceSid = h.sim.serviceSids[0];
  });
  afterAll(async () => {
    redis?.disconnect();
    await feed?.close();
    await relay?.close();
    await h?.close();
  });

  /**
   * A crawl enqueued while the previous job is still completing (its run already finished) is deduplicated
   * into that job and never runs: wait for the queue to be idle first.
   */
  async function crawl() {
    const queue = h.mirror.app.get(CrawlQueue).queue;
    await waitUntil('the crawl queue to be idle', async () => {
      const c = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
      return !c.active && !c.waiting && !c.delayed && !c.prioritized;
    });
    return h.crawlAll();
  }

  const lastSequence = async () => Number((await h.db.dataSource.query('SELECT last FROM event_sequence'))[0].last);
  const upstream = (): TwilioUser[] => h.sim.admin.exportUsers(serviceSid);

  /** Events after `after`, as the stream and the feed deliver them, once the relay has caught up. */
  async function delivered(after: number) {
    await waitUntil('the relay to catch up', async () => {
      const [{ n }] = await h.db.dataSource.query('SELECT count(*)::int AS n FROM user_events WHERE sequence > (SELECT published_through FROM relay_state)');
      return n === 0;
    });
    const stream = (await readStream(redis, h.config.events.stream)).filter((e) => Number(e.sequence) > after);
    const fed: any[] = [];
    let cursor = String(after);
    for (;;) {
      const res = await fetch(`${feed.url}/v1/events?after=${cursor}&limit=100`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { events: any[]; next_after: string };
      fed.push(...page.events);
      if (!page.events.length) break;
      cursor = page.next_after;
    }
    return { stream, fed };
  }

  function expectSameOnBoth(stream: StreamedEvent[], fed: any[], after: number, count: number) {
    expect(stream).toHaveLength(count);
    expect(fed).toHaveLength(count);
    // gap-free, in order, from right after the previous crawl's last event
    expect(stream.map((e) => Number(e.sequence))).toEqual(Array.from({ length: count }, (_, i) => after + i + 1));
    expect(stream.map((e) => e.streamId)).toEqual(stream.map((e) => `${e.event.sequence}-0`));
    expect(fed).toEqual(stream.map((e) => e.event)); // same events, same ids, same order
    expect(new Set(fed.map((e) => e.id)).size).toBe(count);
    for (const e of fed) {
      if (!validate(e)) throw new Error(`event ${e.sequence} fails the schema: ${JSON.stringify(validate.errors)}`);
    }
  }

  let afterFirst = 0;

  it('a first crawl announces one created event per user', async () => {
    const [run] = await crawl();
    expect(run).toMatchObject({ status: 'succeeded', created: USERS, updated: 0, deleted: 0 });
    afterFirst = await lastSequence();
    expect(afterFirst).toBe(USERS);
    const { stream, fed } = await delivered(0);
    expectSameOnBoth(stream, fed, 0, USERS);
    expect(new Set(fed.map((e) => e.type))).toEqual(new Set([`${T}created`]));
    expect(fed.map((e) => e.subject).sort()).toEqual(upstream().map((u) => u.sid).sort());
    const alice = fed[0];
    expect(alice.data.before).toBeNull();
    expect(alice.data.after.sid).toBe(alice.subject);
    expect(alice.source).toBe(`/twilio/accounts/${h.sim.accountSid}/services/${serviceSid}`);
  });

  it('after updates, deletions, creations, a re-created identity and reordered attributes: exactly the real changes', async () => {
    const users = upstream();
    // Users with at least two attribute keys, so a reorder changes the bytes.
    const multiKey = users.filter((u) => Object.keys(JSON.parse(u.attributes!)).length >= 2);
    const reordered = multiKey.slice(0, 6);
    const rest = users.filter((u) => !reordered.includes(u));
    const updated = rest.slice(0, 10);
    const deleted = rest.slice(10, 15);
    const recreated = rest[15];

    for (const [i, u] of updated.entries()) h.sim.admin.updateUser(serviceSid, u.sid, { friendlyName: `Renamed ${i}` });
    for (const u of deleted) h.sim.admin.deleteUser(serviceSid, u.sid);
    const created = Array.from({ length: 7 }, (_, i) =>
      h.sim.admin.createUser(serviceSid, { identity: `newcomer-${i}`, friendlyName: `Newcomer ${i}`, attributes: { joined: i } }),
    );
    h.sim.admin.deleteUser(serviceSid, recreated.sid);
    const reborn = h.sim.admin.createUser(serviceSid, { identity: recreated.identity!, friendlyName: 'Born again' });
    expect(reborn.sid).not.toBe(recreated.sid);
    for (const u of reordered) reorderAttributeKeysOnly(h.sim, serviceSid, u.sid);
    const reorderedState = await versions(reordered.map((u) => u.sid));

    const [run] = await crawl();
    expect(run).toMatchObject({ status: 'succeeded', created: 8, updated: 10, deleted: 6 });
    const { stream, fed } = await delivered(afterFirst);
    expectSameOnBoth(stream, fed, afterFirst, 24);

    const sidsOf = (op: string) => fed.filter((e) => e.type === `${T}${op}`).map((e) => e.subject).sort();
    expect(sidsOf('updated')).toEqual(updated.map((u) => u.sid).sort());
    expect(sidsOf('deleted')).toEqual([...deleted, recreated].map((u) => u.sid).sort());
    expect(sidsOf('created')).toEqual([...created, reborn].map((u) => u.sid).sort());
    const touched = new Set(fed.map((e) => e.subject));
    for (const u of reordered) expect(touched.has(u.sid)).toBe(false);
    // No new version, no changed_at: only the exact text Twilio now sends is kept.
    expect(await versions(reordered.map((u) => u.sid))).toEqual(reorderedState);
    const texts = await h.db.dataSource.query('SELECT sid, attributes_text FROM users WHERE sid = ANY($1) ORDER BY sid', [reordered.map((u) => u.sid)]);
    const now = upstream();
    expect(texts).toEqual([...reordered].sort((a, b) => (a.sid < b.sid ? -1 : 1)).map((u) => ({ sid: u.sid, attributes_text: now.find((x) => x.sid === u.sid)!.attributes })));

    for (const e of fed.filter((x) => x.type === `${T}updated`)) {
      const i = updated.findIndex((u) => u.sid === e.subject);
      expect(e.data.op).toBe('updated');
      expect(e.data.before.friendly_name).toBe(updated[i].friendly_name);
      expect(e.data.after.friendly_name).toBe(`Renamed ${i}`);
      expect(e.data.changed).toEqual(expect.arrayContaining(['friendly_name', 'date_updated']));
      expect(e.data.changed).not.toContain('attributes');
    }
    const gone = fed.find((e) => e.subject === recreated.sid);
    expect(gone.data).toMatchObject({ op: 'deleted', after: null, before: { sid: recreated.sid, identity: recreated.identity } });
    expect(gone.data.before.attributes).toEqual(recreated.attributes === null ? null : JSON.parse(recreated.attributes));
    const born = fed.find((e) => e.subject === reborn.sid);
    expect(born.data).toMatchObject({ op: 'created', before: null, after: { sid: reborn.sid, identity: recreated.identity } });
    // the deletion of the old sid comes before nothing it should not: tombstoned, not removed
    const [tomb] = await h.db.dataSource.query('SELECT deleted_at FROM users WHERE sid = $1', [recreated.sid]);
    expect(tomb.deleted_at).not.toBeNull();
  });

  it('a crawl with no upstream change writes no event and no row', async () => {
    const before = await lastSequence();
    const streamLength = await redis.xlen(h.config.events.stream);
    const rowsBefore = await allXmins();
    const [run] = await crawl();
    expect(run).toMatchObject({ status: 'succeeded', created: 0, updated: 0, deleted: 0, unchanged: USERS + 7 - 5 });
    expect(await lastSequence()).toBe(before);
    expect(await allXmins()).toEqual(rowsBefore); // every users tuple is the one that was there
    await new Promise((r) => setTimeout(r, 300)); // a few relay polls
    expect(await redis.xlen(h.config.events.stream)).toBe(streamLength);
  });

  it('a run that fails at page k deletes nothing; the next good run does', async () => {
    const before = await lastSequence();
    const victims = upstream().slice(-3); // on the last page: the failure at page 2 comes before them
    for (const u of victims) h.sim.admin.deleteUser(serviceSid, u.sid);
    // Page 2 of the list answers 500 (CRAWL_MAX_RETRIES=0: the run fails there).
    h.sim.admin.enqueueFaults({ kind: '500', match: 'users-list', skip: 1, count: 1 });
    const [failed] = await crawl();
    expect(failed.status).toBe('failed');
    expect(failed.pages).toBe(1);
    expect(await lastSequence()).toBe(before);
    const [{ n }] = await h.db.dataSource.query('SELECT count(*)::int AS n FROM users WHERE sid = ANY($1) AND deleted_at IS NOT NULL', [victims.map((u) => u.sid)]);
    expect(n).toBe(0);

    h.sim.admin.clearFaults();
    const [resumed] = await crawl();
    expect(resumed).toMatchObject({ status: 'succeeded', deleted: 3, created: 0, updated: 0 });
    const { stream, fed } = await delivered(before);
    expectSameOnBoth(stream, fed, before, 3);
    expect(fed.map((e) => e.subject).sort()).toEqual(victims.map((u) => u.sid).sort());
    expect(new Set(fed.map((e) => e.type))).toEqual(new Set([`${T}deleted`]));
  });

  async function versions(sids: string[]): Promise<Record<string, string>> {
    const rows = await h.db.dataSource.query('SELECT sid, version, changed_at FROM users WHERE sid = ANY($1)', [sids]);
    return Object.fromEntries(rows.map((r: any) => [r.sid, `${r.version} ${r.changed_at.toISOString()}`]));
  }

  async function allXmins(): Promise<Record<string, string>> {
    const rows = await h.db.dataSource.query('SELECT sid, xmin::text AS x FROM users ORDER BY sid');
    return Object.fromEntries(rows.map((r: any) => [r.sid, r.x]));
  }
});
