import { setTimeout as sleep } from 'node:timers/promises';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { RedisConnections } from '@app/redis';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { Logger } from 'pino';
import { LeaderLock } from './leader-lock';
import { DEFAULT_RELAY_OPTIONS, RELAY_OPTIONS, RelayOptions } from './relay-options';
import { PublishOutcome, StreamPublisher } from './stream-publisher';
import { OutboxRelayRepository } from './outbox-relay.repository';
import { RelayRow } from './user-event-row';
import { Wakeup } from './wakeup';

/**
 * The stream already holds ids beyond the outbox's last sequence (the database was reset, or two
 * mirrors share one stream). Relaying would have Redis refuse every new event as "already published":
 * the relay stands by instead, and nothing is lost while it does (the outbox keeps the events).
 */
export class StreamAheadError extends Error {}

export interface RelayRound {
  /** Rows now on the stream and marked. */
  rows: number;
  /** Of those, rows an earlier publish had already put on the stream. */
  alreadyThere: number;
}

/**
 * Relays the outbox to the Redis Stream, in sequence order, from the one process that holds the leader lock;
 * the others wait to take over. A batch is read durably, XADDed in one pipeline with ids = sequences, then
 * marked published: a crash between the two re-publishes, and Redis refuses the repeated ids, so the stream
 * holds each event once. The leader also prunes published events past the retention.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log: Logger;
  private readonly lock: LeaderLock;
  private readonly events: OutboxRelayRepository;
  private readonly publisher: StreamPublisher;
  private readonly wakeup = new Wakeup();
  private readonly options: RelayOptions;
  private stopping = false;
  private running: Promise<void> | null = null;
  private nextPruneAt = 0;
  /** After losing its connection a relay stands back a while, so a healthy follower takes the lead. */
  private standBackUntil = 0;
  private published = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    redis: RedisConnections,
    @Optional() @Inject(RELAY_OPTIONS) options: RelayOptions | null,
  ) {
    this.options = options ?? DEFAULT_RELAY_OPTIONS;
    this.log = logger.child({ component: 'outbox-relay' });
    this.lock = new LeaderLock(
      config.databaseUrl,
      () => this.wakeup.wake(),
      (reason) => {
        this.log.warn({ error: reason.message }, 'relay lost its leader connection; will try to lead again');
        this.standBackUntil = Date.now() + this.options.errorBackoffMs;
        this.wakeup.wake();
      },
    );
    this.events = new OutboxRelayRepository(this.lock.query);
    this.publisher = new StreamPublisher(redis.commands, config.events.stream, config.events.streamMaxLen);
  }

  get isLeader(): boolean {
    return this.lock.held;
  }

  /** Events this process put on the stream since it started (not counting ones found there already). */
  get publishedCount(): number {
    return this.published;
  }

  /** Backend pid of the leader connection, for tests that kill it. */
  get lockConnectionPid(): number | null {
    return this.lock.pid;
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop();
  }

  /** SIGTERM: the round in flight finishes (published and marked), then the lock is released. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeup.wake();
    await this.running;
    this.running = null;
  }

  /** Drains the outbox once by hand (tests): requires the lock, which it takes if free. */
  async relayOnce(): Promise<RelayRound> {
    if (!this.lock.held && !(await this.lock.tryAcquire())) throw new Error('another relay holds the leader lock');
    return this.drain();
  }

  /** Deletes published events older than EVENTS_RETENTION_HOURS, a prefix of the sequence at a time. */
  async prune(): Promise<number> {
    const cutoff = new Date(Date.now() - this.config.events.retentionHours * 3_600_000);
    let total = 0;
    for (;;) {
      const n = await this.events.prune(cutoff, this.options.pruneBatch);
      total += n;
      if (n < this.options.pruneBatch || this.stopping) break;
    }
    if (total) this.log.info({ pruned: total, olderThan: cutoff.toISOString() }, 'published events past the retention pruned');
    return total;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        if (!this.lock.held) {
          const standBack = this.standBackUntil - Date.now();
          if (standBack > 0) {
            await this.wakeup.wait(standBack);
            continue;
          }
          if (!(await this.lock.tryAcquire())) {
            await this.wakeup.wait(this.options.followerPollMs);
            continue;
          }
          await this.becameLeader();
        }
        const roundStarted = Date.now();
        await this.drain();
        if (Date.now() >= this.nextPruneAt) {
          this.nextPruneAt = Date.now() + this.options.pruneIntervalMs;
          await this.prune();
        }
        const rest = this.options.minRoundMs - (Date.now() - roundStarted);
        if (rest > 0 && !this.stopping) await sleep(rest); // a NOTIFY meanwhile is kept by the wakeup
        await this.wakeup.wait(this.options.idlePollMs);
      } catch (e) {
        await this.lock.drop();
        if (e instanceof StreamAheadError) {
          this.log.error({ stream: this.config.events.stream, error: e.message }, 'relay standing by: nothing is published until the stream is fixed');
          this.standBackUntil = Date.now() + this.options.streamAheadBackoffMs;
        } else {
          this.log.error({ error: (e as Error).message }, 'relay round failed; retrying on a new connection');
          this.standBackUntil = Date.now() + this.options.errorBackoffMs;
        }
      }
    }
    await this.lock.release();
  }

  /**
   * Publishes until the outbox is drained. The XADDs of batch n overlap, on Postgres, the mark of batch n-1
   * and the (durable) read of batch n+1, in one statement: a round costs about max(Redis, Postgres).
   */
  private async drain(): Promise<RelayRound> {
    const done: RelayRound = { rows: 0, alreadyThere: 0 };
    const size = this.options.batchSize;
    let rows = await this.events.readBatch(null, '0', size);
    let toMark: [string, string] | null = null;
    while (rows.length) {
      const more = rows.length === size && !this.stopping;
      const marking: [string, string] | null = toMark;
      const [outcome, next]: [PublishOutcome, RelayRow[]] = await Promise.all([
        this.publisher.publish(rows),
        more ? this.readAfterMarking(marking, rows[rows.length - 1].sequence) : this.mark(marking).then(() => []),
      ]);
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
    return done;
  }

  private async readAfterMarking(range: [string, string] | null, after: string): Promise<RelayRow[]> {
    const rows = await this.events.readBatch(range, after, this.options.batchSize);
    if (range) await this.events.announcePublished(range[1]);
    return rows;
  }

  private async mark(range: [string, string] | null): Promise<void> {
    if (!range) return;
    await this.events.markPublished(range[0], range[1]);
    await this.events.announcePublished(range[1]);
  }

  private async becameLeader(): Promise<void> {
    const [{ last }] = await this.lock.query('SELECT last::text AS last FROM event_sequence');
    const onStream = await this.publisher.lastSequence();
    if (BigInt(onStream) > BigInt(last)) {
      throw new StreamAheadError(
        `the stream's last id (${onStream}) is ahead of the outbox's last sequence (${last}): the database was reset or ` +
          'another mirror publishes to this stream. Point EVENTS_STREAM at a new key, or delete the old stream once its consumers are done.',
      );
    }
    this.log.info({ stream: this.config.events.stream }, 'outbox relay is the leader');
  }
}
