import Redis from 'ioredis';
import { CloudEventJson, replayDeadLetters, StreamEntryInfo, UserEventsConsumer } from '@app/events-consumer';
import { REDIS_URL, testRedisPrefix } from '../support/test-redis';
import { deadLetters, publish, range, recordingLogger, userEvent, waitFor } from './consumer-test.helpers';

const keys = testRedisPrefix('events-consumer-replay');
let redis: Redis;
let n = 0;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  await keys.cleanup();
  redis.disconnect();
});

/**
 * A stream whose events 1..count were dead-lettered by a real consumer whose handler failed, plus one malformed
 * entry (sequence count + 1) dead-lettered as such. Returns the stream and its dead-letter stream.
 */
async function deadLettered(count: number): Promise<{ stream: string; dead: string }> {
  const stream = `${keys.prefix}:events:${++n}`;
  const dead = `${stream}:dead`;
  await publish(redis, stream, range(1, count));
  await redis.xadd(stream, `${count + 1}-0`, 'event', '{not json');
  const failing = new UserEventsConsumer({
    redis: REDIS_URL,
    stream,
    group: 'g',
    consumer: 'c',
    startFrom: '0',
    blockMs: 100,
    maxDeliveries: 1,
    logger: recordingLogger(),
    handler: async () => {
      throw new Error('downstream unavailable');
    },
  });
  await failing.start();
  try {
    await waitFor('every entry dead-lettered', async () => (await redis.xlen(dead)) === count + 1);
  } finally {
    await failing.stop();
  }
  return { stream, dead };
}

async function streamState(stream: string) {
  const info = (await redis.xinfo('STREAM', stream)) as unknown[];
  return { length: await redis.xlen(stream), lastId: info[info.indexOf('last-generated-id') + 1] };
}

test('hands each dead-lettered event to the handler, deletes it once handled, and never writes to the events stream', async () => {
  const { stream, dead } = await deadLettered(5);
  const before = await streamState(stream);
  const handled: { event: CloudEventJson; entry: StreamEntryInfo }[] = [];

  const result = await replayDeadLetters({
    redis,
    deadLetterStream: dead,
    logger: recordingLogger(),
    handler: async (event, entry) => void handled.push({ event, entry }),
  });

  expect(handled.map((h) => h.event.id)).toEqual(range(1, 5).map((s) => userEvent(s).id));
  expect(handled[0].entry).toEqual({ id: '1-0', deliveries: 2, deadLetterId: result.replayed[0] });
  expect(result.replayed).toHaveLength(5);
  expect(result.failed).toEqual([]);
  expect(result.malformed).toEqual([{ id: expect.any(String), error: expect.stringMatching(/^"event" is not JSON/) }]);
  // Only the malformed entry is left in the dead-letter stream; the events stream is as it was.
  expect((await deadLetters(redis, dead)).map((d) => d.original_id)).toEqual(['6-0']);
  expect(await streamState(stream)).toEqual(before);
});

test('an entry the handler rejects stays in the dead-letter stream; the others are replayed', async () => {
  const { dead } = await deadLettered(3);
  const result = await replayDeadLetters({
    redis: REDIS_URL,
    deadLetterStream: dead,
    logger: recordingLogger(),
    handler: async (event) => {
      if (event.sequence === '2') throw new TypeError('still broken');
    },
  });
  expect(result.replayed).toHaveLength(2);
  expect(result.failed).toEqual([{ id: expect.any(String), error: 'TypeError: still broken' }]);
  expect((await deadLetters(redis, dead)).map((d) => d.original_id)).toEqual(['2-0', '4-0']);

  // Once the handler works, the next replay takes it.
  const again = await replayDeadLetters({ redis, deadLetterStream: dead, logger: recordingLogger(), handler: async () => undefined });
  expect(again.replayed).toEqual([result.failed[0].id]);
  expect((await deadLetters(redis, dead)).map((d) => d.original_id)).toEqual(['4-0']);
});

test('replays only the ids asked for, at most `limit`, and names the ids it did not find', async () => {
  const { dead } = await deadLettered(4);
  const ids = (await redis.xrange(dead, '-', '+')).map(([id]) => id);
  const seen: string[] = [];
  const handler = async (e: CloudEventJson) => void seen.push(e.sequence);

  const picked = await replayDeadLetters({ redis, deadLetterStream: dead, ids: [ids[2], ids[0], '1-1'], handler, logger: recordingLogger() });
  expect(seen).toEqual(['3', '1']);
  expect(picked).toMatchObject({ replayed: [ids[2], ids[0]], notFound: ['1-1'] });

  const limited = await replayDeadLetters({ redis, deadLetterStream: dead, limit: 1, handler, logger: recordingLogger() });
  expect(limited.replayed).toEqual([ids[1]]);
  expect(seen).toEqual(['3', '1', '2']);
});

test('refuses options that cannot work, before touching Redis', async () => {
  const handler = async () => undefined;
  await expect(replayDeadLetters({ redis, deadLetterStream: '', handler })).rejects.toThrow(/deadLetterStream is required/);
  await expect(replayDeadLetters({ redis, deadLetterStream: 'x', handler: undefined as never })).rejects.toThrow(/handler is required/);
  await expect(replayDeadLetters({ redis, deadLetterStream: 'x', handler, limit: 0 })).rejects.toThrow(/limit must be a positive integer/);
  await expect(replayDeadLetters({ redis, deadLetterStream: 'x', handler, ids: 'a' as never })).rejects.toThrow(/ids must be/);
});

