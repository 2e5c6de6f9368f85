import Redis from 'ioredis';
import type { ConsumerLogger, UserEventsConsumerOptions } from './consumer-options.types';
import { ConsumerSettings, resolveSettings } from './consumer-settings';
import { MalformedEntryError, parseUserEvent } from './parse-user-event';
import { deadLetterFields, DeliveredEntry, StreamReply, toEntries } from './stream-entries';

/**
 * Consumes user-changed events from a Redis Stream through a consumer group, at least once and in stream
 * order per consumer.
 *
 * This consumer's own pending entries list (PEL) doubles as its retry queue: a failed entry stays pending
 * and is re-read from the PEL, one entry at a time so that Redis's delivery counter counts handler
 * attempts exactly; entries behind it wait, which keeps stream order.
 */
export class UserEventsConsumer {
  private readonly redis: Redis;
  /** XREADGROUP BLOCK holds its connection; the shared one must stay free for acks and claims. */
  private readonly blocking: Redis;
  private readonly ownsRedis: boolean;
  private readonly cfg: ConsumerSettings;
  private readonly log: ConsumerLogger;

  private loop?: Promise<void>;
  private stopping?: Promise<void>;
  private stopRequested = false;
  /** Our PEL may hold entries (start-up, a claim, a failure, a lost reply): drain it before reading new ones. */
  private drainPending = true;
  private claimCursor = '0-0';
  private nextClaimAt = 0;
  private blockingClientId?: number;
  private inBlockingRead = false;
  private wake?: () => void;
  /**
   * Deliveries Redis counted for entries this process read but never handed to the handler (they sat behind a
   * failure): subtracted so that `deliveries` and maxDeliveries count handler attempts.
   */
  private readonly uncounted = new Map<string, number>();
  /** Since when Redis has been unreachable (undefined: it is not), so an outage is logged once, and its end. */
  private downSince?: number;

  constructor(options: UserEventsConsumerOptions) {
    this.cfg = resolveSettings(options);
    this.log = this.cfg.log;

    this.ownsRedis = typeof options.redis === 'string';
    this.redis = typeof options.redis === 'string' ? new Redis(options.redis) : options.redis;
    this.blocking = this.redis.duplicate();
    // A listener keeps ioredis from printing every reconnect failure; the loop reports failed commands itself.
    const onError = (e: Error) => this.log.debug?.({ err: e.message }, 'redis connection error');
    this.blocking.on('error', onError);
    if (this.ownsRedis) this.redis.on('error', onError);
    // The blocking connection is always ours and always in use: its state is Redis's, logged once per outage.
    this.blocking.on('close', () => {
      if (this.stopRequested || this.downSince !== undefined) return;
      this.downSince = Date.now();
      this.log.warn({ consumer: this.cfg.consumer }, 'user events consumer: lost its Redis connection, reconnecting');
    });
    this.blocking.on('ready', () => {
      // CLIENT UNBLOCK (used by stop) needs the blocking connection's id, which changes on every reconnect.
      this.blocking.client('ID').then((id) => (this.blockingClientId = Number(id)), () => undefined);
      if (this.downSince === undefined) return;
      this.log.info({ consumer: this.cfg.consumer, downMs: Date.now() - this.downSince }, 'user events consumer: reconnected to Redis');
      this.downSince = undefined;
    });
  }

  /** Creates the group if missing, then consumes in the background until stop(). */
  async start(): Promise<void> {
    if (this.loop || this.stopping) throw new Error('UserEventsConsumer: start() may be called once');
    await this.ensureGroup(this.cfg.startFrom);
    this.blockingClientId = Number(await this.blocking.client('ID'));
    if (this.stopRequested) return;
    this.log.info({ stream: this.cfg.stream, group: this.cfg.group, consumer: this.cfg.consumer }, 'user events consumer started');
    this.loop = this.run();
  }

  /**
   * Lets the handler in flight finish (and its entry be acknowledged), then stops and closes the connections this
   * consumer opened. Entries read but not yet handled stay pending: this consumer name resumes them on its next
   * start, or another consumer claims them after claimIdleMs.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.stopRequested = true;
    this.wake?.();
    const interrupting = this.interruptBlockingRead();
    await this.loop;
    await interrupting;
    await Promise.all([close(this.blocking), this.ownsRedis ? close(this.redis) : undefined]);
    this.log.info({ consumer: this.cfg.consumer }, 'user events consumer stopped');
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopRequested) {
      try {
        await this.claimStale();
        const batch = this.drainPending ? await this.readOwnPending() : await this.readNew();
        // Redis stamped the entries' delivery time when the read returned, not when it started blocking.
        const readAt = Date.now();
        for (let i = 0; i < batch.length && !this.stopRequested; i++) {
          const entry = batch[i];
          if (Date.now() - readAt > this.cfg.claimIdleMs / 2) {
            // The rest of the batch is nearing claimIdleMs unacknowledged: re-read it from the PEL (which resets
            // its idle time and skips what was claimed away) rather than race a claimer into handling it twice.
            this.setAside(batch.slice(i));
            break;
          }
          if (await this.process(entry)) {
            this.uncounted.delete(entry.id);
          } else {
            this.setAside(batch.slice(i + 1));
            await this.sleep(this.retryDelay(entry.deliveries));
            break;
          }
        }
        failures = 0;
      } catch (e) {
        // Redis may have moved entries into our PEL before the reply was lost.
        this.drainPending = true;
        failures++;
        if (isNoGroup(e)) await this.recreateGroup();
        else this.log.warn({ err: message(e), failures }, 'user events consumer: redis command failed, retrying');
        await this.sleep(Math.min(100 * 2 ** Math.min(failures, 10), 5000));
      }
    }
  }

  /** Returns true once the entry is done with (acknowledged), false when it failed and stays pending. */
  private async process(entry: DeliveredEntry): Promise<boolean> {
    const ctx = { id: entry.id, deliveries: entry.deliveries };
    if (entry.fields === null) {
      this.log.warn(ctx, 'user events consumer: entry was trimmed from the stream before it was handled');
      await this.redis.xack(this.cfg.stream, this.cfg.group, entry.id);
      return true;
    }
    if (entry.deliveries > this.cfg.maxDeliveries) {
      // Attempts made elsewhere (e.g. a handler that crashed its process each time): the error is unknown here.
      return this.deadLetter(entry, new Error(`delivered ${entry.deliveries} times without being acknowledged`));
    }
    let event;
    try {
      event = parseUserEvent(entry.fields, this.cfg.field);
    } catch (e) {
      if (!(e instanceof MalformedEntryError)) throw e;
      return this.deadLetter(entry, e);
    }
    try {
      await this.cfg.handler(event, { id: entry.id, deliveries: entry.deliveries });
    } catch (e) {
      if (entry.deliveries >= this.cfg.maxDeliveries) return this.deadLetter(entry, e);
      this.log.warn({ ...ctx, err: message(e) }, 'user events consumer: handler failed, the entry will be redelivered');
      return false;
    }
    await this.redis.xack(this.cfg.stream, this.cfg.group, entry.id);
    return true;
  }

  /**
   * Copies the entry with the reason and its original id, then acknowledges it. Not in one MULTI: Redis does not
   * roll a transaction back, so a failed XADD (e.g. the key holds another type) would still ack the entry and lose
   * it. A crash between the two copies it twice, each with its original_id. Returns false, the entry left pending
   * (retried like a failed handler), when the copy failed.
   */
  private async deadLetter(entry: DeliveredEntry, error: unknown): Promise<boolean> {
    const meta: Record<string, string> = {
      original_id: entry.id,
      original_stream: this.cfg.stream,
      group: this.cfg.group,
      consumer: this.cfg.consumer,
      deliveries: String(entry.deliveries),
      error: errorText(error).slice(0, 2000),
      dead_lettered_at: new Date().toISOString(),
    };
    const ctx = { id: entry.id, deliveries: entry.deliveries, deadLetterStream: this.cfg.deadLetterStream };
    try {
      await this.redis.xadd(this.cfg.deadLetterStream, '*', ...deadLetterFields(entry.fields, meta));
    } catch (e) {
      this.log.error({ ...ctx, err: message(e), reason: meta.error }, 'user events consumer: dead-letter write failed, the entry stays pending');
      return false;
    }
    await this.redis.xack(this.cfg.stream, this.cfg.group, entry.id);
    this.log.error({ ...ctx, err: meta.error }, 'user events consumer: entry moved to the dead-letter stream');
    return true;
  }

  /** Leaves entries read but not handled in the PEL, to be re-read from there in order. */
  private setAside(entries: DeliveredEntry[]): void {
    this.drainPending = true;
    for (const { id } of entries) this.uncounted.set(id, (this.uncounted.get(id) ?? 0) + 1);
  }

  /** The oldest entry of our PEL, counted as a new delivery; marks the PEL drained when it is empty. */
  private async readOwnPending(): Promise<DeliveredEntry[]> {
    const results = await this.redis
      .multi()
      .xreadgroup('GROUP', this.cfg.group, this.cfg.consumer, 'COUNT', 1, 'STREAMS', this.cfg.stream, '0')
      .xpending(this.cfg.stream, this.cfg.group, '-', '+', 1, this.cfg.consumer)
      .exec();
    if (!results) throw new Error('pending read transaction aborted');
    const [[readErr, read], [pendingErr, pending]] = results;
    if (readErr) throw readErr;
    if (pendingErr) throw pendingErr;
    const entries = toEntries(read as StreamReply, 1);
    if (!entries.length) {
      this.drainPending = false;
      // Nothing of ours is pending any more, including what was claimed away from us.
      this.uncounted.clear();
      return entries;
    }
    const [first] = pending as [id: string, consumer: string, idleMs: number, deliveries: number][];
    if (first?.[0] === entries[0].id) {
      entries[0].deliveries = Math.max(1, first[3] - (this.uncounted.get(first[0]) ?? 0));
    }
    return entries;
  }

  private async readNew(): Promise<DeliveredEntry[]> {
    // Wake up in time for the next claim pass; BLOCK 0 would mean forever.
    const block = Math.max(1, Math.min(this.cfg.blockMs, this.nextClaimAt - Date.now()));
    if (this.stopRequested) return [];
    this.inBlockingRead = true;
    try {
      const reply = (await this.blocking.xreadgroup(
        'GROUP',
        this.cfg.group,
        this.cfg.consumer,
        'COUNT',
        this.cfg.batchSize,
        'BLOCK',
        block,
        'STREAMS',
        this.cfg.stream,
        '>',
      )) as StreamReply;
      return toEntries(reply, 1);
    } finally {
      this.inBlockingRead = false;
    }
  }

  /**
   * Takes over entries left pending by dead consumers. JUSTID leaves their delivery counters alone: the
   * PEL read that hands them to the handler counts the delivery.
   */
  private async claimStale(): Promise<void> {
    if (Date.now() < this.nextClaimAt) return;
    const reply = (await this.redis.xautoclaim(
      this.cfg.stream,
      this.cfg.group,
      this.cfg.consumer,
      this.cfg.claimIdleMs,
      this.claimCursor,
      'COUNT',
      this.cfg.batchSize,
      'JUSTID',
    )) as [next: string, ids: string[], deleted?: string[]];
    const [next, ids, deleted = []] = reply;
    this.claimCursor = next;
    // A cursor other than 0-0 means the scan is not finished: go on at the next iteration.
    this.nextClaimAt = next === '0-0' ? Date.now() + this.cfg.claimIntervalMs : 0;
    if (ids.length) {
      this.drainPending = true;
      this.log.info({ count: ids.length, first: ids[0] }, 'user events consumer: claimed stale pending entries');
    }
    if (deleted.length) {
      this.log.warn({ ids: deleted }, 'user events consumer: pending entries were trimmed from the stream unhandled');
    }
  }

  /**
   * The group is gone: the stream was deleted, or Redis lost it (restarted empty, failed over), the relay then
   * refilling the stream from the mirror's outbox with the same ids. The group is recreated at the start of the
   * stream: the group's pending entries, the other consumers' included, went with it, and no consumer knows what
   * the others had left unhandled, so only the start misses nothing. Entries handled before come again, with the
   * same event ids: the handler's dedupe skips them.
   */
  private async recreateGroup(): Promise<void> {
    this.uncounted.clear();
    try {
      await this.ensureGroup('0');
      this.log.warn(
        { stream: this.cfg.stream, group: this.cfg.group },
        'user events consumer: the consumer group was gone (stream deleted, or Redis lost it); it starts again at the start of the stream, so entries already handled come again',
      );
    } catch (e) {
      this.log.warn({ err: message(e) }, 'user events consumer: could not recreate the consumer group yet, retrying');
    }
  }

  private async ensureGroup(startFrom: string): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.cfg.stream, this.cfg.group, startFrom, 'MKSTREAM');
    } catch (e) {
      if (!message(e).includes('BUSYGROUP')) throw e;
    }
  }

  /** CLIENT UNBLOCK may race the read it targets, so it is repeated until the loop is out of its read. */
  private async interruptBlockingRead(): Promise<void> {
    let done = false;
    void this.loop?.finally(() => (done = true));
    while (!done && this.loop) {
      if (this.inBlockingRead && this.blockingClientId !== undefined) {
        await this.redis.client('UNBLOCK', this.blockingClientId).catch(() => undefined);
      }
      await delay(25);
    }
  }

  private retryDelay(deliveries: number): number {
    // Stay well under claimIdleMs so that the backoff never makes the entry look abandoned.
    const cap = Math.max(1, Math.floor(this.cfg.claimIdleMs / 2));
    return Math.min(this.cfg.retryDelayMs * 2 ** Math.min(deliveries - 1, 20), cap);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopRequested) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      this.wake = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}

function isNoGroup(e: unknown): boolean {
  return message(e).startsWith('NOGROUP');
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function close(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
