import { setTimeout as sleep } from 'node:timers/promises';
import { UserEventsConsumer } from '@app/events-consumer';
import Redis from 'ioredis';
import { recordingLogger } from '../events-consumer/consumer-test.helpers';
import { startThrowawayRedis, ThrowawayRedis } from '../support/throwaway-redis';
import { commitEvents, createdChanges, EventsEnv, eventsEnv, FAST_RELAY, RelayApp, startRelayApp, unpublishedCount, waitUntil } from './support/events-apps';
import { readStream } from './support/stream-reader';

/**
 * Redis is a cache of the outbox: a Redis that comes back empty (unpersisted, or a failover to an empty replica)
 * is refilled by the relay from Postgres with the same ids, and a consumer built on the library goes on with
 * nothing missed and, after its dedupe, nothing applied twice. Runs on a redis-server of its own, which it
 * restarts; the shared Redis is not touched.
 */
describe('Redis restarting empty under a running relay and consumer', () => {
  let server: ThrowawayRedis;
  let env: EventsEnv;
  let redis: Redis;
  let relay: RelayApp | undefined;
  let consumer: UserEventsConsumer | undefined;

  beforeAll(async () => {
    server = await startThrowawayRedis();
    // The queue's connection logs every failed reconnect while this Redis is down: quiet unless asked for.
    env = await eventsEnv('redis_loss', { REDIS_URL: server.url, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'fatal' });
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined); // the test restarts this Redis; the commands it sends are retried below
  });
  afterAll(async () => {
    await consumer?.stop();
    await relay?.close();
    redis?.disconnect();
    await env?.close();
    await server?.close();
  });

  it('refills the stream with the same ids; the consumer applies every event once, in order, missing none', async () => {
    relay = await startRelayApp(env.config, { ...FAST_RELAY, streamCheckMs: 200 });
    const delivered: string[] = [];
    const applied: string[] = [];
    const appliedIds = new Set<string>();
    consumer = new UserEventsConsumer({
      redis: server.url,
      stream: env.stream,
      group: 'loss',
      consumer: 'c1',
      startFrom: '0',
      blockMs: 200,
      logger: recordingLogger(),
      handler: async (event) => {
        delivered.push(event.id);
        // The documented dedupe (a set of handled ids; a real consumer keeps it with its data).
        if (appliedIds.has(event.id)) return;
        appliedIds.add(event.id);
        applied.push(event.id);
      },
    });
    await consumer.start();

    const batches = 30;
    const perBatch = 20;
    const committing = (async () => {
      for (let i = 0; i < batches; i++) {
        await commitEvents(env.db.dataSource, createdChanges(1 + i * perBatch, perBatch));
        await sleep(20);
      }
    })();
    await waitUntil('the consumer to apply a first part', () => applied.length >= 150);
    const appliedBeforeLoss = applied.length;
    await server.restartEmpty(); // every key gone: the stream, the group, its pending entries
    await committing;

    const total = batches * perBatch;
    await waitUntil('everything published', async () => (await unpublishedCount(env.db.dataSource)) === 0);
    await waitUntil('the stream refilled', async () => (await redis.xlen(env.stream).catch(() => 0)) === total);
    await waitUntil('the consumer to apply everything', () => applied.length === total, 30_000);

    const rows: { id: string; sequence: string }[] = await env.db.dataSource.query('SELECT id, sequence FROM user_events ORDER BY sequence');
    const entries = await readStream(redis, env.stream);
    expect(entries.map((e) => e.streamId)).toEqual(rows.map((r) => `${r.sequence}-0`));
    expect(entries.map((e) => e.event.id)).toEqual(rows.map((r) => r.id));
    // Each event applied once, in sequence order, none missing…
    expect(applied).toEqual(rows.map((r) => r.id));
    // …though the events published before the loss were delivered again (the group restarts at the stream's start).
    expect(delivered.length).toBeGreaterThanOrEqual(total + appliedBeforeLoss);
    expect(relay.relay.refilledCount).toBeGreaterThan(0);
  });
});
