import { setTimeout as sleep } from 'node:timers/promises';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { PgConnections } from '@app/database';
import { RedisConnections } from '@app/redis';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { Logger } from 'pino';
import { LeaderLock } from './leader-lock';
import { OutboxRelayRepository } from './outbox-relay.repository';
import { RelayDrain, RelayRound, StreamAheadError } from './relay-drain';
import { DEFAULT_RELAY_OPTIONS, RELAY_OPTIONS, RelayOptions } from './relay-options';
import { RelayRedis } from './relay-redis';
import { StreamPublisher } from './stream-publisher';
import { RAW_JSON_TYPES } from './user-event-row';
import { Wakeup } from './wakeup';

/**
 * Relays the outbox to the Redis Stream, in sequence order, from the one process that holds the leader lock;
 * the others wait to take over. A batch is read durably, XADDed in one script call with ids = sequences, then
 * marked published: a crash between the two re-publishes, and Redis refuses the repeated ids, so the stream
 * holds each event at most once. The stream is a cache of the outbox: when Redis loses it, the leader puts the
 * retained events back (see RelayDrain). The leader also prunes published events past the retention.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log: Logger;
  private readonly lock: LeaderLock;
  private readonly events: OutboxRelayRepository;
  private readonly redis: RelayRedis;
  private readonly drainer: RelayDrain;
  private readonly wakeup = new Wakeup();
  private readonly options: RelayOptions;
  private stopping = false;
  private running: Promise<void> | null = null;
  private nextPruneAt = 0;
  private nextStreamCheckAt = 0;
  /** After losing its connection a relay stands back a while, so a healthy follower takes the lead. */
  private standBackUntil = 0;
  /** Since when Postgres could not be reached (null: it can), so that an outage is logged once, and its end. */
  private postgresDownSince: number | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    pg: PgConnections,
    redis: RedisConnections,
    @Optional() @Inject(RELAY_OPTIONS) options: RelayOptions | null,
  ) {
    this.options = options ?? DEFAULT_RELAY_OPTIONS;
    this.log = logger.child({ component: 'outbox-relay' });
    this.lock = new LeaderLock(
      () =>
        pg.dedicated({
          applicationName: 'twilio-mirror-relay',
          types: RAW_JSON_TYPES,
          // Short statements on a hot loop: JIT compilation would cost far more than it saves.
          options: '-c jit=off',
        }),
      () => this.wakeup.wake(),
      (reason) => {
        this.log.warn({ error: reason.message }, 'relay lost its leader connection; will try to lead again');
        this.postgresDownSince ??= Date.now();
        this.standBackUntil = Date.now() + this.options.errorBackoffMs;
        this.wakeup.wake();
      },
    );
    this.events = new OutboxRelayRepository(this.lock.query);
    this.redis = new RelayRedis(
      redis.dedicated('relay', {
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        // A Redis that accepts but never answers must not hold the round (and the lock) forever.
        commandTimeout: 15_000,
      }),
      this.log,
      () => this.wakeup.wake(),
    );
    this.drainer = new RelayDrain(
      this.events,
      new StreamPublisher(this.redis.client, config.events.stream, config.events.streamMaxLen),
      { stream: config.events.stream, batchSize: this.options.batchSize, maxLen: config.events.streamMaxLen },
      this.log,
      () => this.stopping,
    );
  }

  get isLeader(): boolean {
    return this.lock.held;
  }

  /** New events this process put on the stream since it started (not counting ones found there already). */
  get publishedCount(): number {
    return this.drainer.published;
  }

  /** Published events this process put back on a stream that had lost them. */
  get refilledCount(): number {
    return this.drainer.refilled;
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
    await this.redis.close();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeup.wake();
    await this.running;
    this.running = null;
  }

  /** Drains the outbox once by hand (tests): requires the lock, which it takes if free. */
  async relayOnce(): Promise<RelayRound> {
    await this.redis.whenReady(5000);
    if (!this.lock.held && !(await this.lock.tryAcquire())) throw new Error('another relay holds the leader lock');
    return this.drainer.drain();
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
        if (!this.lock.held && !(await this.lead())) continue;
        const roundStarted = Date.now();
        await this.drainer.drain();
        if (Date.now() >= this.nextStreamCheckAt && !this.stopping) {
          this.nextStreamCheckAt = Date.now() + this.options.streamCheckMs;
          await this.drainer.checkStream();
        }
        if (Date.now() >= this.nextPruneAt && !this.stopping) {
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
          // A Redis outage was logged when the connection went; each round it fails is no news.
          const level = this.redis.down ? 'debug' : 'error';
          this.log[level]({ error: (e as Error).message }, 'relay round failed; retrying on a new connection');
          this.standBackUntil = Date.now() + this.options.errorBackoffMs;
        }
      }
    }
    await this.lock.release();
  }

  /** One attempt at the lead; true once this relay leads and has checked the stream. */
  private async lead(): Promise<boolean> {
    const standBack = this.standBackUntil - Date.now();
    if (standBack > 0) {
      await this.wakeup.wait(standBack);
      return false;
    }
    // A leader without Redis would hold the lock and publish nothing: lead only with the connection ready
    // (its 'ready' event wakes this wait).
    if (!this.redis.ready) {
      await this.wakeup.wait(this.options.followerPollMs);
      return false;
    }
    let acquired: boolean;
    try {
      acquired = await this.lock.tryAcquire();
    } catch (e) {
      if (this.postgresDownSince === null) {
        this.postgresDownSince = Date.now();
        this.log.warn({ error: (e as Error).message }, 'relay cannot reach Postgres; retrying');
      }
      this.standBackUntil = Date.now() + this.options.errorBackoffMs;
      return false;
    }
    if (this.postgresDownSince !== null) {
      this.log.info({ downMs: Date.now() - this.postgresDownSince }, 'relay reconnected to Postgres');
      this.postgresDownSince = null;
    }
    if (!acquired) {
      await this.wakeup.wait(this.options.followerPollMs);
      return false;
    }
    // Before any new event: the stream may be ahead of the outbox, or may have lost events while nobody led.
    this.nextStreamCheckAt = Date.now() + this.options.streamCheckMs;
    await this.drainer.checkStream();
    this.log.info({ stream: this.config.events.stream }, 'outbox relay is the leader');
    return true;
  }
}
