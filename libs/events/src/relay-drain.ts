import type { OutboxRelayRepository } from './outbox-relay.repository';
import type { PublishOutcome, StreamPublisher } from './stream-publisher';
import type { RelayRow } from './user-event-row';

/**
 * The stream already holds ids beyond the outbox's last sequence (the database was reset, or two
 * mirrors share one stream). Relaying would have Redis refuse every new event as "already published":
 * the relay stands by instead, and nothing is lost while it does (the outbox keeps the events).
 */
export class StreamAheadError extends Error {}

export interface RelayRound {
  /** New rows now on the stream and marked. */
  rows: number;
  /** Of those, rows an earlier publish had already put on the stream. */
  alreadyThere: number;
  /** Published events put back on a stream that had lost them. */
  refilled: number;
}

export type DrainRepository = Pick<OutboxRelayRepository, 'readBatch' | 'markPublished' | 'announcePublished' | 'watermarks' | 'readRange'>;
export type DrainPublisher = Pick<StreamPublisher, 'publish' | 'lastSequence'>;

export interface DrainSettings {
  stream: string;
  batchSize: number;
  /** EVENTS_STREAM_MAXLEN: a refill puts back no more than the stream would hold. */
  maxLen: number;
}

type LogFn = (obj: object, msg: string) => void;
export interface DrainLogger {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

/**
 * What the leader does with the outbox and the stream: publishes new events in sequence order, and keeps the
 * stream a faithful cache of what was published. Redis is not the record: when it comes back empty (unpersisted,
 * or a failover to a replica that lagged), the events it lost are put back from the outbox, same ids, same
 * order, before anything new is appended.
 */
export class RelayDrain {
  /** New events this process put on the stream (not counting ones found there already, nor refills). */
  published = 0;
  /** Published events this process put back on a stream that had lost them. */
  refilled = 0;

  constructor(
    private readonly events: DrainRepository,
    private readonly publisher: DrainPublisher,
    private readonly settings: DrainSettings,
    private readonly log: DrainLogger,
    private readonly stopping: () => boolean,
  ) {}

  /** Publishes until the outbox is drained, refilling the stream first whenever it is found to have lost events. */
  async drain(): Promise<RelayRound> {
    const done: RelayRound = { rows: 0, alreadyThere: 0, refilled: 0 };
    let reaches: string | null = null;
    for (;;) {
      const behind = await this.publishNew(done, reaches);
      if (behind === null) return done;
      const before = this.refilled;
      reaches = await this.refill(behind);
      done.refilled += this.refilled - before;
      // A refill cut short must not be followed by new events: their greater ids would hide what is missing.
      if (this.stopping()) return done;
    }
  }

  /**
   * Compares the stream with the outbox, as a new leader and now and then while idle (the XADD script checks it
   * too, but only when there is something to publish). Throws StreamAheadError when the stream is ahead of every
   * sequence assigned; refills it when it lost published events that the outbox still holds.
   */
  async checkStream(): Promise<number> {
    const { publishedThrough, lastAssigned, oldest } = await this.events.watermarks();
    const onStream = await this.publisher.lastSequence();
    if (BigInt(onStream) > BigInt(lastAssigned)) {
      throw new StreamAheadError(
        `the stream's last id (${onStream}) is ahead of the outbox's last sequence (${lastAssigned}): the database was reset or ` +
          'another mirror publishes to this stream. Point EVENTS_STREAM at a new key, or delete the old stream once its consumers are done.',
      );
    }
    const w = BigInt(publishedThrough);
    // With every published event pruned there is nothing to put back; the XADD script lets new events through then.
    if (BigInt(onStream) >= w || oldest === null || BigInt(oldest) > w) return 0;
    const before = this.refilled;
    await this.refill(onStream);
    return this.refilled - before;
  }

  /**
   * One pass over the unpublished events. The XADDs of batch n overlap, on Postgres, the mark of batch n-1 and
   * the (durable) read of batch n+1, in one statement: a round costs about max(Redis, Postgres). Returns null once
   * drained, or the stream's last sequence when the stream was found behind (nothing of that batch written).
   * `firstReaches`: what the first batch requires of the stream instead of the sequence before it (after a refill
   * that could not reach the watermark, every event up to it being pruned).
   */
  private async publishNew(done: RelayRound, firstReaches: string | null): Promise<string | null> {
    const size = this.settings.batchSize;
    let rows = await this.events.readBatch(null, '0', size);
    let toMark: [string, string] | null = null;
    let reaches = firstReaches;
    while (rows.length) {
      const more = rows.length === size && !this.stopping();
      const marking: [string, string] | null = toMark;
      const [outcome, next]: [PublishOutcome, RelayRow[]] = await Promise.all([
        this.publisher.publish(rows, reaches ?? previous(rows[0].sequence)),
        more ? this.readAfterMarking(marking, rows[rows.length - 1].sequence) : this.mark(marking).then(() => []),
      ]);
      reaches = null;
      // The previous batch is marked either way: it was on the stream when published, and a refill puts it back.
      if (outcome.behind !== null) return outcome.behind;
      toMark = outcome.onStream ? [rows[0].sequence, rows[outcome.onStream - 1].sequence] : null;
      this.published += outcome.onStream - outcome.alreadyThere;
      done.rows += outcome.onStream;
      done.alreadyThere += outcome.alreadyThere;
      if (outcome.alreadyThere) {
        this.log.info({ count: outcome.alreadyThere, from: rows[0].sequence }, 'events found on the stream already (published before a crash): marked, not repeated');
      }
      if (outcome.error) {
        await this.mark(toMark);
        throw outcome.error;
      }
      rows = next;
    }
    await this.mark(toMark);
    return null;
  }

  /**
   * Puts back, in sequence order and with the same ids, the published events the outbox retains after the
   * stream's last id, at most the stream's MAXLEN of them. Logs what cannot be put back. Returns the sequence the
   * stream ends at afterwards.
   */
  private async refill(streamLast: string): Promise<string> {
    const { publishedThrough, oldest } = await this.events.watermarks();
    const last = BigInt(streamLast);
    const w = BigInt(publishedThrough);
    if (last >= w) return streamLast;
    const retainedFrom = oldest === null ? w + 1n : BigInt(oldest);
    const keptFrom = w - BigInt(this.settings.maxLen) + 1n; // what MAXLEN ~ would have left of it
    const from = max(last + 1n, retainedFrom, keptFrom);
    const ctx = { stream: this.settings.stream, streamLast, publishedThrough };
    this.log.warn(
      { ...ctx, refillFrom: String(from), refillTo: publishedThrough },
      'the stream lost published events (Redis restarted empty or failed over): putting them back from the outbox before anything new',
    );
    if (retainedFrom > last + 1n) {
      this.log.error(
        { ...ctx, from: String(last + 1n), to: String(min(retainedFrom - 1n, w)) },
        'events lost from the stream cannot be put back: pruned from the outbox (older than EVENTS_RETENTION_HOURS); consumers that had not read them missed them',
      );
    }
    const trimmedFrom = max(last + 1n, retainedFrom);
    if (keptFrom > trimmedFrom) {
      this.log.warn({ ...ctx, from: String(trimmedFrom), to: String(keptFrom - 1n) }, 'events lost from the stream not put back: beyond EVENTS_STREAM_MAXLEN, which would have trimmed them');
    }

    let reaches = streamLast;
    let count = 0;
    while (BigInt(reaches) < w && !this.stopping()) {
      const after = max(BigInt(reaches), from - 1n);
      const rows = await this.events.readRange(String(after), publishedThrough, this.settings.batchSize);
      if (!rows.length) break;
      const outcome = await this.publisher.publish(rows, reaches);
      if (outcome.behind !== null) {
        // Lost again while refilling: start over from what it holds now.
        this.refilled += count;
        return this.refill(outcome.behind);
      }
      count += outcome.onStream - outcome.alreadyThere;
      if (outcome.error) {
        this.refilled += count;
        throw outcome.error;
      }
      reaches = rows[outcome.onStream - 1].sequence;
    }
    this.refilled += count;
    const complete = BigInt(reaches) >= w || BigInt(reaches) < from - 1n; // or nothing was left to put back
    this.log.info({ stream: this.settings.stream, count, through: reaches }, complete ? 'stream refilled from the outbox' : 'stream refill interrupted (shutting down)');
    return reaches;
  }

  private async readAfterMarking(range: [string, string] | null, after: string): Promise<RelayRow[]> {
    const rows = await this.events.readBatch(range, after, this.settings.batchSize);
    if (range) await this.events.announcePublished(range[1]);
    return rows;
  }

  private async mark(range: [string, string] | null): Promise<void> {
    if (!range) return;
    await this.events.markPublished(range[1]);
    await this.events.announcePublished(range[1]);
  }
}

/** The sequence before `sequence` (sequences are gap-free): what the stream must reach before it is appended. */
function previous(sequence: string): string {
  return String(BigInt(sequence) - 1n);
}

function max(...values: bigint[]): bigint {
  return values.reduce((a, b) => (b > a ? b : a));
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
