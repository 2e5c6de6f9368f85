import { RelayOptions } from '@app/events';
import Redis from 'ioredis';
import { REDIS_URL } from '../support/test-redis';
import { commitEvents, createdChanges, EventsEnv, eventsEnv, FAST_RELAY, RelayApp, startRelayApp, unpublishedCount, waitUntil } from './support/events-apps';
import { readStream, StreamedEvent } from './support/stream-reader';

/**
 * The stream is a cache of the outbox: when it loses published events (here deleted or cut back by hand, as a
 * Redis restarted empty or a failover to a lagging replica leaves it), the relay puts back what the outbox
 * retains, with the same ids, before it appends anything new. test/events/redis-loss restarts a real Redis.
 */
describe('outbox relay refilling a stream that lost events', () => {
  let env: EventsEnv;
  let redis: Redis;
  const apps: RelayApp[] = [];

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  beforeEach(async () => {
    env = await eventsEnv('refill');
  });
  afterEach(async () => {
    while (apps.length) await apps.pop()!.close();
    await env.close();
  });
  afterAll(() => redis?.disconnect());

  async function relay(options: Partial<RelayOptions> = {}): Promise<RelayApp> {
    const app = await startRelayApp(env.config, { ...FAST_RELAY, ...options });
    apps.push(app);
    return app;
  }

  async function publishedAll(): Promise<StreamedEvent[]> {
    await waitUntil('everything published', async () => (await unpublishedCount(env.db.dataSource)) === 0);
    return readStream(redis, env.stream);
  }

  const ids = (entries: StreamedEvent[]) => entries.map((e) => e.streamId);
  const seqIds = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${from + i}-0`);

  it('puts back a stream that disappeared while the leader idled: same ids, same entries', async () => {
    const app = await relay({ streamCheckMs: 100 });
    await commitEvents(env.db.dataSource, createdChanges(1, 40));
    const before = await publishedAll();
    expect(ids(before)).toEqual(seqIds(1, 40));

    await redis.del(env.stream);
    await waitUntil('the stream refilled', async () => (await redis.xlen(env.stream)) === 40);
    expect(await readStream(redis, env.stream)).toEqual(before);
    expect(app.relay.refilledCount).toBe(40);
    expect(app.relay.publishedCount).toBe(40); // the refill published nothing new, marked nothing
  });

  it('a stream cut back below the watermark is refilled before any new event is appended', async () => {
    // Only the XADD script can see it here: no idle check within the test, no new leader.
    const app = await relay({ streamCheckMs: 3_600_000 });
    await commitEvents(env.db.dataSource, createdChanges(1, 40));
    const before = await publishedAll();

    // What a failover to a replica that lagged leaves: the first 10 entries, then nothing.
    await redis.del(env.stream);
    for (const e of before.slice(0, 10)) await redis.xadd(env.stream, e.streamId, ...Object.entries(e.fields).flat());
    await commitEvents(env.db.dataSource, createdChanges(100, 5));

    const after = await publishedAll();
    expect(ids(after)).toEqual(seqIds(1, 45)); // without the check: 1..10, then 41..45, the gap hidden for good
    expect(after.slice(0, 40)).toEqual(before);
    expect(app.relay.refilledCount).toBe(30);
  });

  it('a new leader puts back what the stream lost while nobody led, before publishing', async () => {
    const a = await relay();
    await commitEvents(env.db.dataSource, createdChanges(1, 30));
    const before = await publishedAll();
    await apps.splice(apps.indexOf(a), 1)[0].close();

    await redis.del(env.stream);
    await commitEvents(env.db.dataSource, createdChanges(100, 5));
    const b = await relay({ streamCheckMs: 3_600_000 });
    await waitUntil('the stream refilled and the new events published', async () => (await redis.xlen(env.stream)) === 35);
    const after = await readStream(redis, env.stream);
    expect(ids(after)).toEqual(seqIds(1, 35));
    expect(after.slice(0, 30)).toEqual(before);
    expect(b.relay.refilledCount).toBe(30);
    expect(b.relay.publishedCount).toBe(5);
  });

  it('what was pruned from the outbox cannot be put back: the retained rest is, from the oldest retained', async () => {
    const app = await relay({ streamCheckMs: 100 });
    await commitEvents(env.db.dataSource, createdChanges(1, 50));
    const before = await publishedAll();
    await pruneUpTo(app, 20);

    await redis.del(env.stream);
    await waitUntil('the stream refilled', async () => (await redis.xlen(env.stream)) === 30);
    const after = await readStream(redis, env.stream);
    expect(ids(after)).toEqual(seqIds(21, 50));
    expect(after).toEqual(before.slice(20));
  });

  it('with every published event pruned there is nothing to put back, and new events still flow', async () => {
    const app = await relay({ streamCheckMs: 100 });
    await commitEvents(env.db.dataSource, createdChanges(1, 10));
    await publishedAll();
    await pruneUpTo(app, 10);

    await redis.del(env.stream);
    await commitEvents(env.db.dataSource, createdChanges(100, 3));
    const after = await publishedAll();
    expect(ids(after)).toEqual(seqIds(11, 13));
    expect(app.relay.refilledCount).toBe(0);
  });

  /** Prunes events 1..n by making them older than a retention of one hour. */
  async function pruneUpTo(app: RelayApp, n: number): Promise<void> {
    await env.db.dataSource.query(`UPDATE user_events SET time = now() - interval '2 days' WHERE sequence <= $1`, [n]);
    (env.config.events as { retentionHours: number }).retentionHours = 1;
    try {
      await waitUntil('the relay to lead', () => app.relay.isLeader);
      expect(await app.relay.prune()).toBe(n);
    } finally {
      (env.config.events as { retentionHours: number }).retentionHours = 168;
    }
  }
});
