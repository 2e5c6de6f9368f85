import Redis from 'ioredis';
import { REDIS_URL } from '../support/test-redis';
import { commitEvents, createdChanges, EventsEnv, eventsEnv, FAST_RELAY, startRelayApp, waitUntil } from './support/events-apps';

/**
 * A stream whose ids run ahead of the outbox (the database was reset under a live stream): relaying would
 * have Redis refuse every new event as already published. The relay stands by instead, losing nothing.
 */
describe('outbox relay facing a stream ahead of the outbox', () => {
  let env: EventsEnv;
  let redis: Redis;

  beforeAll(async () => {
    env = await eventsEnv('ahead');
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    await env?.close();
  });

  it('publishes nothing while the stream is ahead, and everything once the stream is fixed', async () => {
    await redis.xadd(env.stream, '5000-0', 'event', '{}'); // left by an earlier life of the database
    await commitEvents(env.db.dataSource, createdChanges(1, 30));
    const app = await startRelayApp(env.config, { ...FAST_RELAY, streamAheadBackoffMs: 300 });
    try {
      await new Promise((r) => setTimeout(r, 1500));
      expect(await redis.xlen(env.stream)).toBe(1);
      const [{ n }] = await env.db.dataSource.query('SELECT count(*)::int AS n FROM user_events WHERE sequence > (SELECT published_through FROM relay_state)');
      expect(n).toBe(30); // kept in the outbox, not taken as published

      await redis.del(env.stream); // the operator's fix
      await waitUntil('the events published', async () => (await redis.xlen(env.stream)) === 30);
      const ids = (await redis.xrange(env.stream, '-', '+')).map(([id]) => id);
      expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => `${i + 1}-0`));
    } finally {
      await app.close();
    }
  });
});
