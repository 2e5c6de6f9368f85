import Redis from 'ioredis';
import { CloudEventJson, StreamEntryInfo, UserEventsConsumer, UserEventsConsumerOptions } from '@app/events-consumer';
import { REDIS_URL, testRedisPrefix } from '../support/test-redis';
import { blockedInRead, deferred, drained, pendingCount, publish, range, recordingLogger, sleep, userEvent, userSid, waitFor } from './consumer-test.helpers';

const keys = testRedisPrefix('events-consumer-delivery');
let redis: Redis;
let n = 0;
const consumers: UserEventsConsumer[] = [];

/** A fresh stream per test, inside the file's hash tag. */
function streamKey(): string {
  return `${keys.prefix}:events:${++n}`;
}

function consumer(options: Partial<UserEventsConsumerOptions> & Pick<UserEventsConsumerOptions, 'stream' | 'handler'>) {
  const c = new UserEventsConsumer({
    redis,
    group: 'g',
    consumer: `c${consumers.length}`,
    blockMs: 200,
    logger: recordingLogger(),
    ...options,
  });
  consumers.push(c);
  return c;
}

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.stop()));
});

afterAll(async () => {
  await keys.cleanup();
  redis.disconnect();
});

test('delivers backlog and live entries in stream order, once each, and acknowledges them', async () => {
  const stream = streamKey();
  await publish(redis, stream, range(1, 10));
  const seen: { event: CloudEventJson; entry: StreamEntryInfo }[] = [];
  const c = consumer({ stream, startFrom: '0', batchSize: 4, handler: async (event, entry) => void seen.push({ event, entry }) });
  await c.start();
  await publish(redis, stream, range(11, 20));

  await waitFor('20 events', () => seen.length >= 20);
  await drained(redis, stream, 'g'); // nothing can be delivered again from here
  expect(seen.map((s) => s.event.sequence)).toEqual(range(1, 20).map(String));
  expect(seen.map((s) => s.entry)).toEqual(range(1, 20).map((seq) => ({ id: `${seq}-0`, deliveries: 1 })));
  expect(seen[4].event).toEqual(userEvent(5));
  expect(seen[4].event.subject).toBe(userSid(5));
  await waitFor('all acked', async () => (await pendingCount(redis, stream, 'g')) === 0);
});

test('a new group with startFrom "$" skips the backlog; an existing group is reused, not reset', async () => {
  const stream = streamKey();
  await publish(redis, stream, [1, 2]);
  const seen: string[] = [];
  const handler = async (e: CloudEventJson) => void seen.push(e.sequence);
  const first = consumer({ stream, handler });
  await first.start();
  await publish(redis, stream, [3]);
  await waitFor('event 3', () => seen.length >= 1);
  await first.stop();

  await publish(redis, stream, [4]);
  // startFrom "0" would replay 1..3 if the group were recreated.
  const second = consumer({ stream, handler, startFrom: '0' });
  await second.start();
  await waitFor('event 4', () => seen.length >= 2);
  await drained(redis, stream, 'g');
  expect(seen).toEqual(['3', '4']);
});

test('two consumers of one group split the work: every entry handled once, each in stream order', async () => {
  const stream = streamKey();
  const byConsumer: Record<string, number[]> = { a: [], b: [] };
  const make = (name: 'a' | 'b') =>
    consumer({
      stream,
      consumer: name,
      startFrom: '0',
      batchSize: 5,
      handler: async (e) => {
        byConsumer[name].push(Number(e.sequence));
        await sleep(1); // yields, so the other consumer gets its turn at the stream
      },
    });
  await Promise.all([make('a').start(), make('b').start()]);
  for (let i = 0; i < 10; i++) await publish(redis, stream, range(i * 20 + 1, i * 20 + 20));

  await waitFor('200 events', () => byConsumer.a.length + byConsumer.b.length >= 200);
  await drained(redis, stream, 'g');
  const all = [...byConsumer.a, ...byConsumer.b].sort((x, y) => x - y);
  expect(all).toEqual(range(1, 200));
  expect(byConsumer.a.length).toBeGreaterThan(0);
  expect(byConsumer.b.length).toBeGreaterThan(0);
  for (const list of Object.values(byConsumer)) expect(list).toEqual([...list].sort((x, y) => x - y));
  expect(await pendingCount(redis, stream, 'g')).toBe(0);
});

test('stop() lets the handler in flight finish and acknowledges it, then handles nothing more', async () => {
  const stream = streamKey();
  await publish(redis, stream, range(1, 5));
  const release = deferred();
  const order: string[] = [];
  const c = consumer({
    stream,
    startFrom: '0',
    handler: async (e) => {
      order.push(`start ${e.sequence}`);
      if (e.sequence === '1') await release.promise;
      order.push(`end ${e.sequence}`);
    },
  });
  await c.start();
  await waitFor('handler in flight', () => order.length === 1);

  const stopped = c.stop().then(() => order.push('stopped'));
  await sleep(100);
  expect(order).toEqual(['start 1']); // stop() is waiting for the handler
  release.resolve();
  await stopped;
  expect(order).toEqual(['start 1', 'end 1', 'stopped']);

  // 1 acknowledged; 2..5 were read in the same batch and stay pending for this name or a claimer.
  const pending = (await redis.xpending(stream, 'g', '-', '+', 10)) as [string, string, number, number][];
  expect(pending.map(([id]) => id)).toEqual(['2-0', '3-0', '4-0', '5-0']);
});

test('stop() interrupts a blocking read at once instead of waiting for blockMs', async () => {
  const stream = streamKey();
  const c = consumer({ stream, blockMs: 10_000, handler: async () => undefined });
  await c.start();
  await blockedInRead(redis); // the loop is now inside XREADGROUP BLOCK 10000
  const t0 = Date.now();
  await c.stop();
  expect(Date.now() - t0).toBeLessThan(1500);
});

test('a consumer restarted under the same name resumes its own pending entries first, in order', async () => {
  const stream = streamKey();
  await publish(redis, stream, range(1, 3));
  // Read without acknowledging: what a consumer that crashed right after XREADGROUP leaves behind.
  await redis.xgroup('CREATE', stream, 'g', '0');
  await redis.xreadgroup('GROUP', 'g', 'same', 'COUNT', 2, 'STREAMS', stream, '>');
  const seen: [string, number][] = [];
  const c = consumer({ stream, consumer: 'same', handler: async (e, entry) => void seen.push([e.sequence, entry.deliveries]) });
  await c.start();
  await waitFor('3 events', () => seen.length >= 3);
  expect(seen).toEqual([
    ['1', 2],
    ['2', 2],
    ['3', 1],
  ]);
});

test('survives its stream being deleted: recreates the group and goes on', async () => {
  const stream = streamKey();
  const seen: string[] = [];
  const c = consumer({ stream, handler: async (e) => void seen.push(e.sequence) });
  await c.start();
  await publish(redis, stream, [1]);
  await waitFor('event 1', () => seen.length === 1);
  await redis.del(stream);
  await publish(redis, stream, [2]);
  await waitFor('event 2 after NOGROUP', () => seen.length === 2);
  expect(seen).toEqual(['1', '2']);
});

test('a group lost with an entry pending is recreated at the start of the refilled stream: nothing missed, dedupe skips the rest', async () => {
  const stream = streamKey();
  await publish(redis, stream, range(1, 5));
  const deliveries = new Map<string, number>();
  const applied: string[] = [];
  const c = consumer({
    stream,
    startFrom: '0',
    retryDelayMs: 1000, // the window in which the group is lost, entry 3 pending and 4, 5 not yet handled
    handler: async (e) => {
      deliveries.set(e.sequence, (deliveries.get(e.sequence) ?? 0) + 1);
      if (e.sequence === '3' && deliveries.get('3') === 1) throw new Error('fails once');
      if (applied.includes(e.id)) return; // the dedupe by event id
      applied.push(e.id);
    },
  });
  await c.start();
  await waitFor('entry 3 to fail once', () => deliveries.get('3') === 1);
  // Redis lost the stream and its group; the relay refills the stream with the same ids.
  await redis.del(stream);
  await publish(redis, stream, range(1, 5));

  await waitFor('every event applied', () => applied.length === 5, 10_000);
  expect(applied).toEqual(range(1, 5).map((s) => userEvent(s).id));
  expect(deliveries.get('1')).toBe(2); // handled before the loss, delivered again, skipped
});

test('rides out its connections being killed, and stop() still interrupts the read on the new connection', async () => {
  const stream = streamKey();
  const name = `victim-${keys.prefix.replace(/[{}]/g, '')}`;
  const own = new Redis(REDIS_URL, { connectionName: name });
  try {
    const seen: string[] = [];
    const c = consumer({ stream, redis: own, blockMs: 5000, handler: async (e) => void seen.push(e.sequence) });
    await c.start();
    await publish(redis, stream, [1]);
    await waitFor('event 1', () => seen.length === 1);

    const victims = String(await redis.client('LIST'))
      .split('\n')
      .filter((line) => line.includes(` name=${name} `))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)![1]);
    expect(victims).toHaveLength(2); // the given connection and the blocking duplicate
    for (const id of victims) await redis.client('KILL', 'ID', id);

    await publish(redis, stream, [2]);
    await waitFor('event 2 after reconnecting', () => seen.length === 2);
    expect(seen).toEqual(['1', '2']);
    await blockedInRead(redis, name); // back inside a blocking read, on the new connection
    const t0 = Date.now();
    await c.stop();
    expect(Date.now() - t0).toBeLessThan(1500);
  } finally {
    own.disconnect();
  }
});
