import { entryFields, sequenceOfStreamId, STREAM_FIELDS, streamId } from '@app/events';
import type Redis from 'ioredis';

/** An entry's sequence and its event's time, or null past the end of the stream. */
async function entryAtOrAfter(redis: Redis, stream: string, sequence: bigint | '-'): Promise<{ sequence: bigint; time: number } | null> {
  const [entry] = await redis.xrange(stream, sequence === '-' ? '-' : streamId(String(sequence)), '+', 'COUNT', 1);
  return entry ? { sequence: BigInt(sequenceOfStreamId(entry[0])), time: eventTime(entry[1]) } : null;
}

function eventTime(flat: string[]): number {
  const time = Date.parse((JSON.parse(entryFields(flat)[STREAM_FIELDS.event]) as { time?: string }).time ?? '');
  // An entry whose time cannot be read is taken as old: trimming it is the safe side of an erasure.
  return Number.isNaN(time) ? -Infinity : time;
}

/**
 * The sequence of the first entry whose event is later than `time`, or null when no entry is as old as `time`.
 * The stream knows sequences, not times, so this searches it (about log2 of its length XRANGE calls): events' times
 * grow with their sequences, to within the milliseconds two pages written at once take.
 */
export async function firstSequenceAfter(redis: Redis, stream: string, time: number): Promise<bigint | null> {
  const first = await entryAtOrAfter(redis, stream, '-');
  if (!first || first.time > time) return null;
  const [last] = await redis.xrevrange(stream, '+', '-', 'COUNT', 1);
  const lastSequence = BigInt(sequenceOfStreamId(last[0]));
  if (eventTime(last[1]) <= time) return lastSequence + 1n;
  // Entries below `lo` (inclusive) are as old as `time`; entries from `hi` on are later.
  let lo = first.sequence;
  let hi = lastSequence;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    const probe = await entryAtOrAfter(redis, stream, mid);
    if (probe && probe.sequence < hi && probe.time <= time) lo = probe.sequence;
    else hi = mid; // no entry in [mid, probe) or it is later: the boundary is at mid or before
  }
  return hi;
}

/**
 * Deletes every entry of the stream whose event is as old as `time` or older (XTRIM MINID): how the erasure makes
 * sure that entries of erased users the outbox no longer lists (pruned after EVENTS_RETENTION_HOURS) leave the stream
 * too. Answers how many entries went.
 */
export async function trimStreamThrough(redis: Redis, stream: string, time: number): Promise<number> {
  const boundary = await firstSequenceAfter(redis, stream, time);
  if (boundary === null) return 0;
  return redis.xtrim(stream, 'MINID', streamId(String(boundary)));
}
