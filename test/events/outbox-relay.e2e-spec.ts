import { RelayOptions, StreamPublisher } from '@app/events';
import { appendEvents } from '@app/mirror-writer';
import { Client } from 'pg';
import Redis from 'ioredis';
import { REDIS_URL } from '../support/test-redis';
import { commitEvents, createdChanges, EventsEnv, eventsEnv, FAST_RELAY, RelayApp, startRelayApp, unpublishedRelayRows, waitUntil } from './support/events-apps';
import { readStream } from './support/stream-reader';

/** The outbox relay against real Postgres and Redis: order, exactly one entry per event, leadership, crashes. */
describe('outbox relay', () => {
  let env: EventsEnv;
  let redis: Redis;
  const apps: RelayApp[] = [];

  beforeAll(async () => {
    env = await eventsEnv('relay');
    redis = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    while (apps.length) await apps.pop()!.close();
  });
  afterAll(async () => {
    redis?.disconnect();
    await env?.close();
  });

  async function relay(options: Partial<RelayOptions> = {}): Promise<RelayApp> {
    const app = await startRelayApp(env.config, { ...FAST_RELAY, ...options });
    apps.push(app);
    return app;
  }

  const unpublished = async () =>
    Number((await env.db.dataSource.query('SELECT count(*) AS n FROM user_events WHERE sequence > (SELECT published_through FROM relay_state)'))[0].n);
  const lastSequence = async () => Number((await env.db.dataSource.query('SELECT last FROM event_sequence'))[0].last);

  async function expectStreamMatchesOutbox() {
    const rows = await env.db.dataSource.query('SELECT sequence, id, type, user_sid FROM user_events ORDER BY sequence');
    const entries = await readStream(redis, env.stream);
    expect(entries.map((e) => e.streamId)).toEqual(rows.map((r: any) => `${r.sequence}-0`));
    entries.forEach((e, i) => {
      expect(e.event.id).toBe(rows[i].id);
      expect(e.fields.id).toBe(rows[i].id);
      expect(e.event.sequence).toBe(rows[i].sequence);
      expect(e.event.type).toBe(rows[i].type);
      expect(e.fields.type).toBe(rows[i].type);
      expect(e.event.subject).toBe(rows[i].user_sid);
    });
    // gap-free: 1..N
    expect(rows.map((r: any) => Number(r.sequence))).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
    return entries;
  }

  it('publishes concurrent commits in sequence order, once each, and marks them published', async () => {
    const a = await relay();
    // Pages committed concurrently; the sequence lock puts them in commit order.
    await Promise.all([
      commitEvents(env.db.dataSource, createdChanges(1, 5)),
      commitEvents(env.db.dataSource, createdChanges(100, 1200)), // more than one relay batch
      commitEvents(env.db.dataSource, createdChanges(5000, 7)),
      commitEvents(env.db.dataSource, createdChanges(6000, 1)),
    ]);
    await waitUntil('everything published', async () => (await unpublished()) === 0);
    expect(await lastSequence()).toBe(1213);
    const entries = await expectStreamMatchesOutbox();
    expect(entries).toHaveLength(1213);
    expect(a.relay.publishedCount).toBe(1213);
    expect(new Set(entries.map((e) => e.event.id)).size).toBe(1213);
  });

  it('a crash between XADD and the mark re-publishes nothing twice (same ids, one entry each)', async () => {
    await commitEvents(env.db.dataSource, createdChanges(7000, 40));
    const last = await lastSequence();
    // What a relay that died after its XADDs but before its UPDATE leaves behind: on the stream, not marked.
    const rows = await unpublishedRelayRows(env.db.url, 25);
    expect(rows).toHaveLength(25);
    const outcome = await new StreamPublisher(redis, env.stream, env.config.events.streamMaxLen).publish(rows);
    expect(outcome).toEqual({ onStream: 25, alreadyThere: 0, error: null, behind: null });
    expect(await unpublished()).toBe(40);

    const b = await relay(); // the restarted relay
    await waitUntil('everything published', async () => (await unpublished()) === 0);
    const entries = await expectStreamMatchesOutbox();
    expect(entries).toHaveLength(last);
    expect(b.relay.publishedCount).toBe(15); // the 25 already there were recognised, not repeated
  });

  it('a batch stops at the first entry Redis refuses for another reason: nothing after it is on the stream', async () => {
    const stream = `${env.stream}:stop`;
    await commitEvents(env.db.dataSource, createdChanges(40_000, 4));
    const rows = (await unpublishedRelayRows(env.db.url, 4)).map((r, i) => ({ ...r, sequence: String(1_000_000 + i) }));
    rows[2] = { ...rows[2], sequence: 'not-an-id' };
    const publisher = new StreamPublisher(redis, stream, 1000);
    const outcome = await publisher.publish(rows);
    expect(outcome.onStream).toBe(2);
    expect(outcome.error?.message).toMatch(/Invalid stream ID/i);
    expect((await redis.xrange(stream, '-', '+')).map(([id]) => id)).toEqual(['1000000-0', '1000001-0']);
    // the same batch again: the two on the stream count as already there
    const again = await publisher.publish(rows.slice(0, 2));
    expect(again).toEqual({ onStream: 2, alreadyThere: 2, error: null, behind: null });
  });

  it('reads durably: events committed without a WAL flush are flushed before the relay can publish them', async () => {
    const asyncWriter = new Client({ connectionString: env.db.url, options: '-c synchronous_commit=off' });
    await asyncWriter.connect();
    try {
      await asyncWriter.query('BEGIN');
      const ctx = { accountSid: 'AC' + 'a'.repeat(32), serviceSid: 'IS' + 'b'.repeat(32), runId: null };
      await appendEvents(asyncWriter, ctx, createdChanges(30_000, 3));
      await asyncWriter.query('COMMIT');
      const [{ lsn }] = (await asyncWriter.query('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows;
      const rows = await unpublishedRelayRows(env.db.url, 10); // the relay's read
      expect(rows.length).toBeGreaterThanOrEqual(3);
      const [{ flushed }] = await env.db.dataSource.query('SELECT pg_wal_lsn_diff(pg_current_wal_flush_lsn(), $1::pg_lsn) >= 0 AS flushed', [lsn]);
      expect(flushed).toBe(true);
    } finally {
      await asyncWriter.end();
    }
  });

  it('elects one leader; when its connection dies the other takes over and nothing is lost or repeated', async () => {
    const a = await relay();
    const b = await relay();
    await waitUntil('a leader', () => a.relay.isLeader || b.relay.isLeader);
    await new Promise((r) => setTimeout(r, 300)); // several follower polls
    expect([a.relay.isLeader, b.relay.isLeader].filter(Boolean)).toHaveLength(1);
    const [leader, follower] = a.relay.isLeader ? [a, b] : [b, a];

    await commitEvents(env.db.dataSource, createdChanges(8000, 30));
    await waitUntil('published by the leader', async () => (await unpublished()) === 0);

    // Kill the leader's connection from outside, as a crashed process or a network cut would.
    const pid = leader.relay.lockConnectionPid;
    expect(pid).not.toBeNull();
    await env.db.dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
    await waitUntil('the follower to take over', () => follower.relay.isLeader, 5000);

    const commits = Array.from({ length: 20 }, (_, i) => commitEvents(env.db.dataSource, createdChanges(9000 + i * 10, 10)));
    await Promise.all(commits);
    await waitUntil('everything published', async () => (await unpublished()) === 0);
    const entries = await expectStreamMatchesOutbox();
    expect(entries).toHaveLength(await lastSequence());
  });

  it('a shutting-down leader releases the lock at once', async () => {
    const a = await relay();
    await waitUntil('a leads', () => a.relay.isLeader);
    const b = await relay();
    await commitEvents(env.db.dataSource, createdChanges(10_000, 3000));
    await waitUntil('a to be mid-way', async () => (await unpublished()) < 3000, 5000, 1);
    const t0 = Date.now();
    await apps.splice(apps.indexOf(a), 1)[0].close(); // SIGTERM: finish the round, release
    await waitUntil('b to lead', () => b.relay.isLeader, 5000);
    expect(Date.now() - t0).toBeLessThan(2000);
    await waitUntil('everything published', async () => (await unpublished()) === 0);
    const entries = await expectStreamMatchesOutbox();
    expect(entries).toHaveLength(await lastSequence());
  });

  it('prunes only published events past the retention, oldest first', async () => {
    const a = await relay();
    await waitUntil('everything published', async () => (await unpublished()) === 0);
    const total = await lastSequence();
    await a.relay.stop(); // hold still while the table is arranged
    await commitEvents(env.db.dataSource, createdChanges(20_000, 5)); // unpublished, must survive
    // The first 100 events are two days old; retention is a week by default, so make it one hour.
    await env.db.dataSource.query(`UPDATE user_events SET time = now() - interval '2 days' WHERE sequence <= 100`);
    await env.db.dataSource.query(`UPDATE user_events SET time = now() - interval '3 days' WHERE sequence > $1`, [total]);
    (env.config.events as { retentionHours: number }).retentionHours = 1;
    try {
      await a.relay.relayOnce(); // takes the lock back (and publishes the 5)…
      // …which are made unpublished again: old, yet never pruned while unpublished.
      await env.db.dataSource.query(`UPDATE relay_state SET published_through = $1`, [total]);
      const pruned = await a.relay.prune();
      expect(pruned).toBe(100);
      const [{ min, n }] = await env.db.dataSource.query('SELECT min(sequence)::int AS min, count(*)::int AS n FROM user_events');
      expect(min).toBe(101);
      expect(n).toBe(total + 5 - 100);
    } finally {
      (env.config.events as { retentionHours: number }).retentionHours = 168;
    }
  });
});
