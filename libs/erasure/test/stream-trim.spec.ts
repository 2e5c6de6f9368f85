import type Redis from 'ioredis';
import { firstSequenceAfter, trimStreamThrough } from '../src/stream-trim';

/** The stream commands the trim uses, over an in-memory list of `<sequence>-0` entries. */
function fakeStream(entries: { sequence: number; time: number }[]) {
  let list = [...entries].sort((a, b) => a.sequence - b.sequence);
  const flat = (e: { time: number }) => ['type', 't', 'id', 'x', 'event', JSON.stringify({ time: new Date(e.time).toISOString() })];
  const seqOf = (id: string) => (id === '-' ? -Infinity : Number(id.split('-')[0]));
  let calls = 0;
  const redis = {
    async xrange(_key: string, start: string, _end: string, _count: string, n: number) {
      calls++;
      return list.filter((e) => e.sequence >= seqOf(start)).slice(0, n).map((e) => [`${e.sequence}-0`, flat(e)]);
    },
    async xrevrange() {
      calls++;
      return list.slice(-1).map((e) => [`${e.sequence}-0`, flat(e)]);
    },
    async xtrim(_key: string, _how: string, minId: string) {
      const before = list.length;
      list = list.filter((e) => e.sequence >= seqOf(minId));
      return before - list.length;
    },
  };
  return { redis: redis as unknown as Redis, left: () => list.map((e) => e.sequence), calls: () => calls };
}

describe('stream trim by time', () => {
  // Sequences 1..1000 one second apart, with holes (entries deleted or never published).
  const entries = Array.from({ length: 1000 }, (_, i) => ({ sequence: i + 1, time: 1_000_000 + (i + 1) * 1000 })).filter((e) => e.sequence % 7 !== 0);

  it('finds the first entry later than a time in about log2(length) reads, holes included', async () => {
    for (const through of [1_000_000 + 1000 * 500, 1_000_000 + 1000 * 699, 1_000_000 + 1000 * 700 + 500, 1_000_000 + 1000 * 2]) {
      const s = fakeStream(entries);
      const expected = entries.find((e) => e.time > through)!.sequence;
      expect(Number(await firstSequenceAfter(s.redis, 'k', through))).toBeLessThanOrEqual(expected);
      // Whatever lies between is a hole: nothing as old as `through` is left at or past the answer.
      const answer = Number(await firstSequenceAfter(s.redis, 'k', through));
      expect(entries.filter((e) => e.sequence >= answer && e.time <= through)).toEqual([]);
      expect(entries.filter((e) => e.sequence < answer && e.time > through)).toEqual([]);
      expect(s.calls()).toBeLessThan(30);
    }
  });

  it('trims everything as old as the time, and only that; nothing when all is younger; all when all is older', async () => {
    const s = fakeStream(entries);
    expect(await trimStreamThrough(s.redis, 'k', 1_000_000 + 1000 * 300)).toBe(entries.filter((e) => e.sequence <= 300).length);
    expect(s.left()).toEqual(entries.filter((e) => e.sequence > 300).map((e) => e.sequence));
    expect(await trimStreamThrough(s.redis, 'k', 1_000_000)).toBe(0);
    expect(await trimStreamThrough(s.redis, 'k', 1e12)).toBe(entries.filter((e) => e.sequence > 300).length);
    expect(s.left()).toEqual([]);
    expect(await trimStreamThrough(fakeStream([]).redis, 'k', 1e12)).toBe(0);
  });
});
