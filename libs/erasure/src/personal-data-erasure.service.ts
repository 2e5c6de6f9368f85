import { setTimeout as sleep } from 'node:timers/promises';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { RedisConnections } from '@app/redis';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { Logger } from 'pino';
import { ErasedBatch, ErasureRepository } from './erasure.repository';
import { deleteStreamEntries } from './stream-entries';
import { trimStreamThrough } from './stream-trim';

/** Tuning of the erasure; the defaults suit production, tests shorten the waits. */
export interface ErasureOptions {
  /** Tombstones per transaction. */
  batchSize: number;
  /** How long an erasure waits for the relay to publish an erased user's last events before deleting them from the stream again. */
  publishWaitMs: number;
  /** Deadline of one stream deletion (Redis away: the batch rolls back and is tried again on the next run). */
  redisTimeoutMs: number;
  /**
   * How far past a batch's latest deletion the stream is trimmed (never past the retention's cutoff): a deletion's
   * event is stamped by this process's clock a few milliseconds after Postgres stamped deleted_at, and clocks drift.
   */
  streamTrimMarginMs: number;
}

export const ERASURE_OPTIONS = Symbol('ERASURE_OPTIONS');
export const DEFAULT_ERASURE_OPTIONS: ErasureOptions = { batchSize: 500, publishWaitMs: 10_000, redisTimeoutMs: 5_000, streamTrimMarginMs: 60_000 };

export interface ErasureResult {
  users: number;
  events: number;
  streamEntries: number;
}

export interface ErasedUser extends ErasureResult {
  sid: string;
}

const DAY_MS = 86_400_000;

/**
 * Erases the personal data of users deleted upstream (identity, friendly name, attributes: what Twilio's spec marks
 * PII, with a 30-day delete SLA) from everything the mirror keeps: the tombstone in `users` keeps its sid, service,
 * dates and deleted_at; the same fields become null in every event of that user in the outbox (sequence, ids, op and
 * `changed` stay), which is also what the HTTP feed serves; and those events leave the Redis Stream: the ones the
 * outbox still lists are deleted (XDEL), and, past the retention, the stream is trimmed of every entry up to the
 * batch's latest deletion (XTRIM MINID), which takes the ones the outbox no longer lists (pruned after
 * EVENTS_RETENTION_HOURS) along with everyone else's entries of that age: all older than the retention.
 *
 * Batched (one transaction per batch) and idempotent (an erased tombstone is not chosen again; erasing one on request
 * again redoes its events and stream entries). Past the retention on the scheduler role's interval, or one user now
 * (DELETE /v1/users/{US}/personal-data). A live user is never erased, even one re-created upstream under the sid of
 * a tombstone: see eraseSql.
 *
 * The stream entries are deleted and trimmed inside the batch's transaction, so a Redis that does not answer rolls the batch back
 * (tried again on the next run) instead of leaving entries no later run would know about. They are deleted once more
 * after the commit, once the relay has published every event of the batch: an entry the relay had read before the
 * commit and appends after it is deleted too.
 */
@Injectable()
export class PersonalDataErasure {
  private readonly log: Logger;
  private readonly options: ErasureOptions;

  constructor(
    private readonly repository: ErasureRepository,
    private readonly redis: RedisConnections,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    @Optional() @Inject(ERASURE_OPTIONS) options: ErasureOptions | null,
  ) {
    this.log = logger.child({ component: 'erasure' });
    this.options = options ?? DEFAULT_ERASURE_OPTIONS;
  }

  /** The deleted_at before which a tombstone is erased, as of `now`. */
  cutoff(now: Date): Date {
    return new Date(now.getTime() - this.config.privacy.deletedUserRetentionDays * DAY_MS);
  }

  /**
   * Erases every tombstone deleted more than DELETED_USER_RETENTION_DAYS before `now`, batch after batch, until none
   * is left or `shouldStop` says so (shutdown).
   */
  async eraseExpired(now: Date = new Date(), shouldStop: () => boolean = () => false): Promise<ErasureResult> {
    const cutoff = this.cutoff(now);
    const total: ErasureResult = { users: 0, events: 0, streamEntries: 0 };
    // A day's margin: events are stamped by this process's clock, deletions by Postgres's.
    const events = await this.repository.outboxMayHoldEventsBefore(new Date(cutoff.getTime() + DAY_MS));
    for (;;) {
      const batch = await this.repository.eraseExpired(cutoff, this.options.batchSize, events, async (b) => {
        total.streamEntries += await this.deleteFromStream(b);
        total.streamEntries += await this.trimStream(b, cutoff);
      });
      if (!batch.sids.length) break;
      total.users += batch.sids.length;
      total.events += batch.events;
      total.streamEntries += await this.deleteFromStreamOnceRelayed(batch);
      if (batch.sids.length < this.options.batchSize || shouldStop()) break;
    }
    if (total.users) {
      this.log.info({ ...total, retentionDays: this.config.privacy.deletedUserRetentionDays }, 'erased the personal data of users deleted past the retention');
    }
    return total;
  }

  /** Erases one deleted user's personal data now (again, if it was already); null when the sid is no tombstone. */
  async eraseUser(sid: string): Promise<ErasedUser | null> {
    let streamEntries = 0;
    const batch = await this.repository.eraseOne(sid, async (b) => void (streamEntries += await this.deleteFromStream(b)));
    if (!batch) return null;
    streamEntries += await this.deleteFromStreamOnceRelayed(batch);
    this.log.info({ userSid: sid, events: batch.events, streamEntries }, 'erased the personal data of a deleted user on request');
    return { sid, users: 1, events: batch.events, streamEntries };
  }

  private deleteFromStream(batch: ErasedBatch): Promise<number> {
    if (!batch.sequences.length) return Promise.resolve(0);
    return withDeadline(deleteStreamEntries(this.redis.commands, this.config.events.stream, batch.sequences), this.options.redisTimeoutMs);
  }

  /** Trims the stream through the batch's latest deletion (plus the margin, never past the cutoff). */
  private trimStream(batch: ErasedBatch, cutoff: Date): Promise<number> {
    if (!batch.deletedThrough) return Promise.resolve(0);
    const through = Math.min(batch.deletedThrough.getTime() + this.options.streamTrimMarginMs, cutoff.getTime());
    return withDeadline(trimStreamThrough(this.redis.commands, this.config.events.stream, through), this.options.redisTimeoutMs);
  }

  /** After the commit: waits (bounded) until the relay has published the batch's events, then deletes them again. */
  private async deleteFromStreamOnceRelayed(batch: ErasedBatch): Promise<number> {
    if (!batch.sequences.length) return 0;
    const last = BigInt(batch.sequences[batch.sequences.length - 1]);
    const deadline = Date.now() + this.options.publishWaitMs;
    try {
      while ((await this.repository.publishedThrough()) < last) {
        if (Date.now() > deadline) {
          // Not published yet: the relay will read them from the outbox, erased.
          this.log.warn({ through: String(last) }, 'erased events are not all published yet; the relay will publish them erased');
          break;
        }
        await sleep(100);
      }
      return await this.deleteFromStream(batch);
    } catch (e) {
      // Committed already, and deleted from the stream once inside the transaction: only a relay's in-flight batch could be left.
      this.log.warn({ error: (e as Error).message }, 'could not delete erased events from the stream a second time');
      return 0;
    }
  }
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms)));
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
