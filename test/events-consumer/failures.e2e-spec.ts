import Redis from 'ioredis';
import { UserEventsConsumer, UserEventsConsumerOptions } from '@app/events-consumer';
import { REDIS_URL, testRedisPrefix } from '../support/test-redis';
import { deadLetters, deferred, drained, pendingCount, publish, recordingLogger, sleep, userEvent, waitFor } from './consumer-test.helpers';

const keys = testRedisPrefix('events-consumer-failures');
let redis: Redis;
let n = 0;
const consumers: UserEventsConsumer[] = [];

function streamKey(): string {
  return `${keys.prefix}:events:${++n}`;
}

function consumer(options: Partial<UserEventsConsumerOptions> & Pick<UserEventsConsumerOptions, 'stream' | 'handler'>) {
  const c = new UserEventsConsumer({
    redis: REDIS_URL,
    group: 'g',
    consumer: `c${consumers.length}`,
    startFrom: '0',
    blockMs: 100,
    retryDelayMs: 20,
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

test('entries of a consumer stopped mid-handler are claimed by another and redelivered, same event ids', async () => {
  const stream = streamKey();
  await publish(redis, stream, [1, 2]);
  const interrupted = deferred();
  const seenByA: string[] = [];
  const a = consumer({
    stream,
    consumer: 'a',
    handler: async (e) => {
      seenByA.push(e.id);
      await interrupted.promise;
    },
  });
  await a.start();
  await waitFor('A in its handler', () => seenByA.length === 1);
  const readAt = Date.now();
  const stopping = a.stop();
  interrupted.reject(new Error('interrupted by shutdown')); // e.g. its own downstream went away first
  await stopping;
  expect(await pendingCount(redis, stream, 'g')).toBe(2);

  const seenByB: { id: string; seq: string; deliveries: number }[] = [];
  const b = consumer({
    stream,
    consumer: 'b',
    claimIdleMs: 400,
    handler: async (e, entry) => void seenByB.push({ id: e.id, seq: e.sequence, deliveries: entry.deliveries }),
  });
  await b.start();
  await waitFor('B to claim both entries', () => seenByB.length === 2);

  expect(Date.now() - readAt).toBeGreaterThanOrEqual(400); // claimed only once idle for claimIdleMs
  expect(seenByB).toEqual([
    { id: userEvent(1).id, seq: '1', deliveries: 2 },
    { id: userEvent(2).id, seq: '2', deliveries: 2 },
  ]);
  expect(seenByA).toEqual([userEvent(1).id]);
  await waitFor('acked by B', async () => (await pendingCount(redis, stream, 'g')) === 0);
});

test('a failing handler is retried, with a growing delivery count, then dead-lettered with its error', async () => {
  const stream = streamKey();
  await publish(redis, stream, [1, 2]);
  const calls: [string, number][] = [];
  const c = consumer({
    stream,
    maxDeliveries: 3,
    handler: async (e, entry) => {
      calls.push([e.sequence, entry.deliveries]);
      if (e.sequence === '1') throw new Error(`boom on delivery ${entry.deliveries}`);
    },
  });
  await c.start();
  await waitFor('2 handled', () => calls.some(([seq]) => seq === '2'));
  await drained(redis, stream, 'g');

  // Stream order holds: 2 waits until 1 is given up on.
  expect(calls).toEqual([
    ['1', 1],
    ['1', 2],
    ['1', 3],
    ['2', 1],
  ]);
  const dead = await deadLetters(redis, `${stream}:dead`);
  expect(dead).toHaveLength(1);
  expect(dead[0]).toMatchObject({
    original_id: '1-0',
    original_stream: stream,
    group: 'g',
    deliveries: '3',
    error: 'Error: boom on delivery 3',
    // The original fields are kept as they were, so the entry can be replayed.
    id: userEvent(1).id,
    type: userEvent(1).type,
    event: JSON.stringify(userEvent(1)),
  });
  expect(await pendingCount(redis, stream, 'g')).toBe(0);
});

test('a handler that fails once is redelivered and then acknowledged, not dead-lettered', async () => {
  const stream = streamKey();
  await publish(redis, stream, [1]);
  const calls: number[] = [];
  const c = consumer({
    stream,
    handler: async (_e, entry) => {
      calls.push(entry.deliveries);
      if (entry.deliveries === 1) throw new Error('transient');
    },
  });
  await c.start();
  await waitFor('acked', async () => calls.length === 2 && (await pendingCount(redis, stream, 'g')) === 0);
  expect(calls).toEqual([1, 2]);
  expect(await redis.exists(`${stream}:dead`)).toBe(0);
});

test('malformed entries go straight to the dead-letter stream and the loop goes on', async () => {
  const stream = streamKey();
  const deadStream = `${keys.prefix}:custom-dead`;
  await redis.xadd(stream, '1-0', 'event', '{not json');
  await redis.xadd(stream, '2-0', 'other', JSON.stringify(userEvent(2)));
  await redis.xadd(stream, '3-0', 'event', JSON.stringify({ ...userEvent(3), data: { op: 'renamed' } }));
  await publish(redis, stream, [4]);
  const handled: string[] = [];
  const c = consumer({ stream, deadLetterStream: deadStream, handler: async (e) => void handled.push(e.sequence) });
  await c.start();
  await waitFor('4 handled', () => handled.length === 1);
  await waitFor('acked', async () => (await pendingCount(redis, stream, 'g')) === 0);

  expect(handled).toEqual(['4']);
  const dead = await deadLetters(redis, deadStream);
  expect(dead.map((d) => [d.original_id, d.deliveries])).toEqual([
    ['1-0', '1'],
    ['2-0', '1'],
    ['3-0', '1'],
  ]);
  expect(dead[0].error).toMatch(/^MalformedEntryError: "event" is not JSON/);
  expect(dead[0].event).toBe('{not json');
  expect(dead[1].error).toBe('MalformedEntryError: no "event" field');
  expect(dead[2].error).toMatch(/data\.op/);
});

test('the field name is an option, to match the relay', async () => {
  const stream = streamKey();
  await redis.xadd(stream, '1-0', 'cloudevent', JSON.stringify(userEvent(1)));
  const handled: string[] = [];
  const c = consumer({ stream, field: 'cloudevent', handler: async (e) => void handled.push(e.id) });
  await c.start();
  await waitFor('handled', () => handled.length === 1);
  expect(handled).toEqual([userEvent(1).id]);
});

test('an entry delivered more than maxDeliveries times elsewhere is dead-lettered without calling the handler', async () => {
  const stream = streamKey();
  await publish(redis, stream, [1, 2]);
  await redis.xgroup('CREATE', stream, 'g', '0');
  // A poison entry that took its consumers down twice: delivered twice, never acknowledged.
  await redis.xreadgroup('GROUP', 'g', 'crashed', 'COUNT', 1, 'STREAMS', stream, '>');
  await redis.xclaim(stream, 'g', 'crashed', 0, '1-0');
  const handled: string[] = [];
  const c = consumer({ stream, maxDeliveries: 2, claimIdleMs: 100, handler: async (e) => void handled.push(e.sequence) });
  await c.start();
  await waitFor('dead-lettered', async () => (await redis.exists(`${stream}:dead`)) === 1);
  await waitFor('2 handled', () => handled.length === 1);

  expect(handled).toEqual(['2']);
  const [dead] = await deadLetters(redis, `${stream}:dead`);
  expect(dead).toMatchObject({ original_id: '1-0', deliveries: '3', error: 'Error: delivered 3 times without being acknowledged' });
  await waitFor('acked', async () => (await pendingCount(redis, stream, 'g')) === 0);
});

test('a slow consumer re-reads its aging batch from the PEL rather than race a claimer into duplicates', async () => {
  const stream = streamKey();
  await publish(redis, stream, [1, 2, 3, 4, 5, 6, 7, 8]);
  const handled: { by: string; seq: string; deliveries: number }[] = [];
  const slow = consumer({
    stream,
    consumer: 'slow',
    batchSize: 8,
    claimIdleMs: 400,
    claimIntervalMs: 60_000, // its own claim pass would take its aging entries back, hiding the race
    handler: async (e, entry) => {
      handled.push({ by: 'slow', seq: e.sequence, deliveries: entry.deliveries });
      await sleep(100);
    },
  });
  await slow.start();
  await waitFor('slow has its batch', () => handled.length === 1);
  const fast = consumer({
    stream,
    consumer: 'fast',
    claimIdleMs: 400,
    handler: async (e, entry) => void handled.push({ by: 'fast', seq: e.sequence, deliveries: entry.deliveries }),
  });
  await fast.start();
  await waitFor('all acked', async () => handled.length >= 8 && (await pendingCount(redis, stream, 'g')) === 0);
  await drained(redis, stream, 'g');

  expect(handled.map((h) => h.seq).sort()).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
  expect(handled.filter((h) => h.by === 'fast').length).toBeGreaterThan(0); // the claimer did take some
  // What the slow one handled after setting its batch aside still counts as its first attempt.
  expect(handled.filter((h) => h.by === 'slow').every((h) => h.deliveries === 1)).toBe(true);
});

test('an entry whose dead-letter write fails stays pending, is logged, and is dead-lettered once that works again', async () => {
  const stream = streamKey();
  const deadStream = `${stream}:dead`;
  await redis.set(deadStream, 'not a stream'); // XADD to it fails with WRONGTYPE
  await redis.xadd(stream, '1-0', 'event', '{not json');
  const logger = recordingLogger();
  const c = consumer({ stream, logger, handler: async () => undefined });
  await c.start();
  const wrongType = () => logger.lines.filter((l) => JSON.stringify(l.obj).includes('WRONGTYPE'));
  await waitFor('the dead-letter write attempted', () => wrongType().length > 0);
  expect(await pendingCount(redis, stream, 'g')).toBe(1);
  expect(wrongType()[0].level).toBe('error');

  await redis.del(deadStream);
  await waitFor('dead-lettered and acked', async () => (await pendingCount(redis, stream, 'g')) === 0, 10_000);
  const dead = await deadLetters(redis, deadStream);
  expect(dead.map((d) => d.original_id)).toEqual(['1-0']);
  expect(dead[0].error).toMatch(/^MalformedEntryError/);
});
