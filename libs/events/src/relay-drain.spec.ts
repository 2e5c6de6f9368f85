import { DrainLogger, DrainPublisher, DrainRepository, RelayDrain, StreamAheadError } from './relay-drain';
import type { OutboxWatermarks } from './outbox-relay.repository';
import type { PublishOutcome } from './stream-publisher';
import type { RelayRow } from './user-event-row';

/**
 * RelayDrain against fakes of the outbox and the stream (no Postgres, no Redis): the order of publishes and
 * marks, failures, and the refill of a stream that lost events. The fakes keep the real ones' rules: the outbox
 * reads after the watermark, the stream refuses ids at or below its last id and checks `reaches` first.
 */

function row(sequence: number): RelayRow {
  return {
    sequence: String(sequence),
    id: `event-${sequence}`,
    type: 'io.github.twilio-mirror.conversations.user.created',
    account_sid: 'AC1',
    service_sid: 'IS1',
    user_sid: `US${sequence}`,
    time: new Date(0),
    data: '{}',
  };
}

/** What happened, in order: publishes (with what they required of the stream) and marks. */
type Step = string;

class FakeOutbox implements DrainRepository {
  rows = new Map<number, RelayRow>();
  publishedThrough = 0;

  constructor(private readonly steps: Step[], count: number) {
    for (let s = 1; s <= count; s++) this.rows.set(s, row(s));
  }

  get lastAssigned(): number {
    return Math.max(0, ...this.rows.keys());
  }

  prune(through: number): void {
    for (const s of [...this.rows.keys()]) if (s <= through) this.rows.delete(s);
  }

  async readBatch(mark: [string, string] | null, after: string, limit: number): Promise<RelayRow[]> {
    if (mark) this.setMark(Number(mark[1]));
    const from = Math.max(Number(after), this.publishedThrough);
    return this.range(from, from + limit);
  }

  async markPublished(to: string): Promise<void> {
    this.setMark(Number(to));
  }

  async announcePublished(): Promise<void> {}

  async watermarks(): Promise<OutboxWatermarks> {
    const kept = [...this.rows.keys()];
    return {
      publishedThrough: String(this.publishedThrough),
      lastAssigned: String(this.lastAssigned),
      oldest: kept.length ? String(Math.min(...kept)) : null,
    };
  }

  async readRange(after: string, through: string, limit: number): Promise<RelayRow[]> {
    return this.range(Number(after), Number(through)).slice(0, limit);
  }

  private range(after: number, through: number): RelayRow[] {
    return [...this.rows.values()].filter((r) => Number(r.sequence) > after && Number(r.sequence) <= through);
  }

  private setMark(through: number): void {
    this.steps.push(`mark ${through}`);
    this.publishedThrough = Math.max(this.publishedThrough, through);
  }
}

class FakeStream implements DrainPublisher {
  entries: number[] = [];
  lastId = 0;
  /** XADD of this sequence fails as Redis would on OOM. */
  refuse: number | null = null;
  /** Called before each publish (numbered from 1), e.g. to lose the stream at a given moment. */
  beforePublish: (call: number) => void = () => undefined;
  calls = 0;

  constructor(private readonly steps: Step[]) {}

  lose(keepThrough = 0): void {
    this.entries = this.entries.filter((s) => s <= keepThrough);
    this.lastId = keepThrough;
  }

  async publish(rows: RelayRow[], reaches = '0'): Promise<PublishOutcome> {
    this.beforePublish(++this.calls);
    const seqs = rows.map((r) => Number(r.sequence));
    this.steps.push(`publish ${seqs[0]}..${seqs[seqs.length - 1]} reaching ${reaches}`);
    if (this.lastId < Number(reaches)) return { onStream: 0, alreadyThere: 0, error: null, behind: String(this.lastId) };
    let added = 0;
    let dups = 0;
    for (const s of seqs) {
      if (s === this.refuse) return { onStream: added + dups, alreadyThere: dups, error: new Error('OOM'), behind: null };
      if (s <= this.lastId) {
        dups++;
      } else {
        this.entries.push(s);
        this.lastId = s;
        added++;
      }
    }
    return { onStream: added + dups, alreadyThere: dups, error: null, behind: null };
  }

  async lastSequence(): Promise<string> {
    return String(this.lastId);
  }
}

function recordingLogger(): DrainLogger & { lines: { level: string; obj: any; msg: string }[] } {
  const lines: { level: string; obj: any; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, obj, msg });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

function setup(count: number, opts: { batchSize?: number; maxLen?: number } = {}) {
  const steps: Step[] = [];
  const outbox = new FakeOutbox(steps, count);
  const stream = new FakeStream(steps);
  const log = recordingLogger();
  const state = { stopping: false };
  const drain = new RelayDrain(outbox, stream, { stream: 's', batchSize: opts.batchSize ?? 10, maxLen: opts.maxLen ?? 1_000_000 }, log, () => state.stopping);
  return { steps, outbox, stream, log, state, drain };
}

const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('RelayDrain.drain', () => {
  it('publishes the outbox in batches, in sequence order, each requiring the stream to reach the one before', async () => {
    const { drain, stream, outbox, steps } = setup(25);
    await expect(drain.drain()).resolves.toEqual({ rows: 25, alreadyThere: 0, refilled: 0 });
    expect(stream.entries).toEqual(seqs(1, 25));
    expect(steps.filter((s) => s.startsWith('publish'))).toEqual(['publish 1..10 reaching 0', 'publish 11..20 reaching 10', 'publish 21..25 reaching 20']);
    expect(outbox.publishedThrough).toBe(25);
    expect(drain.published).toBe(25);
  });

  it('marks a batch only after its publish, never ahead of what is on the stream', async () => {
    const { drain, steps } = setup(25);
    await drain.drain();
    let onStream = 0;
    for (const step of steps) {
      const published = /^publish \d+\.\.(\d+)/.exec(step);
      if (published) onStream = Number(published[1]);
      const mark = /^mark (\d+)/.exec(step);
      if (mark) expect(Number(mark[1])).toBeLessThanOrEqual(onStream);
    }
    expect(steps.filter((s) => s.startsWith('mark'))).toEqual(['mark 10', 'mark 20', 'mark 25']);
  });

  it('a publish error stops the drain: only the entries that landed are marked, nothing after is published', async () => {
    const { drain, stream, outbox, steps } = setup(25);
    stream.refuse = 14;
    await expect(drain.drain()).rejects.toThrow('OOM');
    expect(stream.entries).toEqual(seqs(1, 13));
    expect(outbox.publishedThrough).toBe(13);
    expect(steps.some((s) => s.startsWith('publish 21'))).toBe(false);
    // The next round goes on from there.
    stream.refuse = null;
    await expect(drain.drain()).resolves.toMatchObject({ rows: 12 });
    expect(stream.entries).toEqual(seqs(1, 25));
  });

  it('counts entries already on the stream (a crash between XADD and the mark), marks them, publishes them not again', async () => {
    const { drain, stream, outbox, log } = setup(25);
    stream.entries = seqs(1, 7);
    stream.lastId = 7;
    await expect(drain.drain()).resolves.toEqual({ rows: 25, alreadyThere: 7, refilled: 0 });
    expect(stream.entries).toEqual(seqs(1, 25));
    expect(outbox.publishedThrough).toBe(25);
    expect(drain.published).toBe(18);
    expect(log.lines.find((l) => l.msg.includes('found on the stream already'))?.obj).toEqual({ count: 7, from: '1' });
  });
});

describe('RelayDrain refilling a stream that lost events', () => {
  /** 40 events, the first 30 published, then the stream loses everything after `keepThrough`. */
  async function lostAfterPublishing(keepThrough = 0, opts: { batchSize?: number; maxLen?: number } = {}) {
    const t = setup(30, opts);
    await t.drain.drain();
    for (let s = 31; s <= 40; s++) t.outbox.rows.set(s, row(s));
    t.stream.lose(keepThrough);
    t.stream.calls = 0;
    t.steps.length = 0;
    return t;
  }

  it('puts back the published events, in order with the same ids, before the new ones', async () => {
    const { drain, stream, steps, outbox, log } = await lostAfterPublishing();
    await expect(drain.drain()).resolves.toEqual({ rows: 10, alreadyThere: 0, refilled: 30 });
    expect(stream.entries).toEqual(seqs(1, 40));
    expect(steps.filter((s) => s.startsWith('publish'))).toEqual([
      'publish 31..40 reaching 30', // refused by the check: the stream ends at 0
      'publish 1..10 reaching 0',
      'publish 11..20 reaching 10',
      'publish 21..30 reaching 20',
      'publish 31..40 reaching 30',
    ]);
    expect(outbox.publishedThrough).toBe(40);
    expect(drain.refilled).toBe(30);
    expect(drain.published).toBe(40);
    expect(log.lines.find((l) => l.level === 'warn')?.obj).toMatchObject({ streamLast: '0', publishedThrough: '30', refillFrom: '1', refillTo: '30' });
  });

  it('a stream cut back (a failover to a replica that lagged) is refilled from its last id', async () => {
    const { drain, stream } = await lostAfterPublishing(12);
    await expect(drain.drain()).resolves.toMatchObject({ refilled: 18 });
    expect(stream.entries).toEqual(seqs(1, 40));
  });

  it('logs the range pruned from the outbox as lost, and refills from the oldest retained', async () => {
    const { drain, stream, outbox, log } = await lostAfterPublishing();
    outbox.prune(10);
    await expect(drain.drain()).resolves.toMatchObject({ refilled: 20 });
    expect(stream.entries).toEqual(seqs(11, 40));
    const lost = log.lines.filter((l) => l.level === 'error');
    expect(lost).toHaveLength(1);
    expect(lost[0].obj).toMatchObject({ from: '1', to: '10' });
    expect(lost[0].msg).toMatch(/pruned/);
  });

  it('puts back no more than MAXLEN events, and says so', async () => {
    const { drain, stream, log } = await lostAfterPublishing(0, { maxLen: 15 });
    await expect(drain.drain()).resolves.toMatchObject({ refilled: 15 });
    expect(stream.entries).toEqual(seqs(16, 40));
    expect(log.lines.find((l) => l.msg.includes('MAXLEN'))?.obj).toMatchObject({ from: '1', to: '15' });
  });

  it('with every published event pruned, nothing is put back and the new events go on', async () => {
    const { drain, stream, outbox, log } = await lostAfterPublishing();
    outbox.prune(30);
    await expect(drain.drain()).resolves.toEqual({ rows: 10, alreadyThere: 0, refilled: 0 });
    expect(stream.entries).toEqual(seqs(31, 40));
    expect(log.lines.filter((l) => l.level === 'error')[0].obj).toMatchObject({ from: '1', to: '30' });
    // …and an idle check does not try again (nothing can be put back).
    expect(await drain.checkStream()).toBe(0);
  });

  it('a stream lost again in the middle of a refill is refilled from what it then holds', async () => {
    const { drain, stream, steps } = await lostAfterPublishing();
    stream.beforePublish = (call) => {
      if (call === 3) stream.lose(0); // call 1 finds it behind, call 2 puts back 1..10, then it is lost again
    };
    await expect(drain.drain()).resolves.toMatchObject({ rows: 10 });
    expect(stream.entries).toEqual(seqs(1, 40));
    expect(steps.filter((s) => s.startsWith('publish'))).toEqual([
      'publish 31..40 reaching 30',
      'publish 1..10 reaching 0',
      'publish 11..20 reaching 10', // refused: the stream ends at 0 again
      'publish 1..10 reaching 0',
      'publish 11..20 reaching 10',
      'publish 21..30 reaching 20',
      'publish 31..40 reaching 30',
    ]);
  });

  it('stopping in the middle of a refill appends nothing new after it', async () => {
    const { drain, stream, state } = await lostAfterPublishing();
    stream.beforePublish = (call) => {
      if (call === 2) state.stopping = true; // SIGTERM while the first refill batch is in flight
    };
    await drain.drain();
    expect(stream.entries).toEqual(seqs(1, 10));
  });
});

describe('RelayDrain.checkStream', () => {
  it('refills a stream behind the watermark, idle', async () => {
    const { drain, stream } = setup(20);
    await drain.drain();
    stream.lose();
    await expect(drain.checkStream()).resolves.toBe(20);
    expect(stream.entries).toEqual(seqs(1, 20));
    await expect(drain.checkStream()).resolves.toBe(0);
  });

  it('throws StreamAheadError when the stream is ahead of every sequence assigned, and writes nothing', async () => {
    const { drain, stream } = setup(20);
    stream.lastId = 5000;
    await expect(drain.checkStream()).rejects.toBeInstanceOf(StreamAheadError);
    expect(stream.entries).toEqual([]);
  });
});
