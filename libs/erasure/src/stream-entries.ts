import { streamId } from '@app/events';
import type Redis from 'ioredis';

/** Ids per XDEL: a bounded command, however many events a batch erased. */
const XDEL_CHUNK = 1000;

/**
 * Deletes the stream entries of events (ids `<sequence>-0`, as the relay writes them). XDEL leaves the stream's
 * last id as it is, so the relay's check that the stream reaches the outbox is unaffected; an id not on the stream
 * (trimmed, never published) is simply not counted. A consumer group that had an entry pending gets it back as
 * deleted, and acknowledges it (libs/events-consumer logs it as trimmed).
 */
export async function deleteStreamEntries(redis: Redis, stream: string, sequences: string[]): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < sequences.length; i += XDEL_CHUNK) {
    deleted += await redis.xdel(stream, ...sequences.slice(i, i + XDEL_CHUNK).map(streamId));
  }
  return deleted;
}
