import { APP_CONFIG, AppConfig } from '@app/config';
import { PgConnections } from '@app/database';
import { ROOT_LOGGER } from '@app/logger';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Client } from 'pg';
import { Logger } from 'pino';
import { PUBLISHED_CHANNEL } from '../outbox-relay.repository';

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5000;
/** While the connection stays down, a warning this often (each failed attempt is a debug line). */
const STILL_DOWN_WARN_MS = 60_000;

interface Waiter {
  cursor: bigint;
  wake(): void;
  end(): void;
}

/**
 * The process's one view of how far events are published: the watermark (relay_state.published_through),
 * advanced by the relay's NOTIFY on one LISTEN connection per process, however many clients wait. A waiter
 * sleeps until the watermark passes its own cursor, so an idle subscriber costs no query at all.
 *
 * NOTIFYs sent while the connection is down are lost: after every (re)connect the watermark is read again, and a
 * slow safety poll (EVENTS_FEED_SAFETY_POLL_MS) on the same connection covers one lost while connected. A lost
 * connection is retried with backoff, by itself, forever; it is logged once when lost and once when regained.
 */
@Injectable()
export class PublicationListener implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly log: Logger;
  private client: Client | null = null;
  private closed = false;
  /** Set at shutdown: waits end at once, so long-polls answer (empty) and the HTTP server can close. */
  private draining = false;
  private known: bigint | null = null;
  /** Waiters by cursor: a publication wakes only those it passed, in one walk over the distinct cursors. */
  private readonly waiters = new Map<bigint, Set<Waiter>>();
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private reconnectDelay = RECONNECT_MIN_MS;
  private lostSince: number | null = null;
  private lastWarnAt = 0;
  private queries = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly pg: PgConnections,
  ) {
    this.log = logger.child({ component: 'events-feed' });
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
    this.pollTimer = setInterval(() => void this.poll(), this.config.feed.safetyPollMs);
    this.pollTimer.unref();
  }

  /** The published watermark as this process knows it; null until first read (Postgres unreachable since start). */
  get watermark(): bigint | null {
    return this.known;
  }

  /** Shutting down: every wait ends at once. */
  get isDraining(): boolean {
    return this.draining;
  }

  get connected(): boolean {
    return this.client !== null;
  }

  /** Statements this listener sent (LISTEN, watermark reads): for tests that prove idling costs nothing. */
  get queryCount(): number {
    return this.queries;
  }

  /** Subscribers currently asleep (for tests and metrics). */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /**
   * Resolves true once the watermark is past `cursor`, false after `ms` or when `signal` aborts. Costs nothing
   * while it waits: no timer per poll, no query.
   */
  waitBeyond(cursor: bigint, ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.known !== null && this.known > cursor) return Promise.resolve(true);
    if (signal?.aborted || ms <= 0 || this.draining) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (passed: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const set = this.waiters.get(cursor);
        set?.delete(waiter);
        if (set && set.size === 0) this.waiters.delete(cursor);
        resolve(passed);
      };
      const onAbort = () => finish(false);
      const waiter: Waiter = { cursor, wake: () => finish(true), end: () => finish(false) };
      const timer = setTimeout(() => finish(false), ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      let set = this.waiters.get(cursor);
      if (!set) this.waiters.set(cursor, (set = new Set()));
      set.add(waiter);
    });
  }

  /** Before the HTTP server closes, which waits for every request: the waiting long-polls answer now. */
  beforeApplicationShutdown(): void {
    this.draining = true;
    for (const set of [...this.waiters.values()]) for (const w of [...set]) w.end();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  /**
   * Takes the database's watermark although it is behind this process's: only after a read proved the database
   * has no events up to ours (it was reset). The next NOTIFY or safety poll moves it on as usual.
   */
  resync(through: bigint): void {
    if (this.known !== null && through < this.known) {
      this.log.warn({ was: String(this.known), now: String(through) }, 'the published watermark went back (database reset?); following the database');
      this.known = through;
    }
  }

  /** Moves the watermark forward (never back: a NOTIFY and a slower read may cross) and wakes whom it passed. */
  private advance(to: bigint): void {
    if (this.known !== null && to <= this.known) return;
    this.known = to;
    for (const [cursor, set] of this.waiters) {
      if (cursor < to) for (const w of [...set]) w.wake();
    }
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = this.pg.dedicated({ applicationName: 'twilio-mirror-feed' });
    // Attached before connecting: an 'error' event without a listener would take the whole process down.
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', (n) => {
      if (n.channel !== PUBLISHED_CHANNEL || !n.payload || !/^\d{1,19}$/.test(n.payload)) return;
      this.advance(BigInt(n.payload));
    });
    try {
      await client.connect();
      this.queries++;
      await client.query(`LISTEN ${PUBLISHED_CHANNEL}`);
      // After LISTEN: a publication between this read and LISTEN would otherwise be missed until the safety poll.
      const through = await this.readWatermark(client);
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.reconnectDelay = RECONNECT_MIN_MS;
      if (this.lostSince !== null) {
        this.log.info({ downMs: Date.now() - this.lostSince, watermark: String(through) }, 'feed regained its LISTEN connection; caught up with the published watermark');
        this.lostSince = null;
      }
      this.advance(through);
    } catch (e) {
      client.removeAllListeners('end');
      client.end().catch(() => undefined);
      if (this.lostSince === null) {
        this.lostSince = this.lastWarnAt = Date.now();
        this.log.warn({ error: (e as Error).message }, 'feed cannot LISTEN for publications; subscribers wait until it reconnects (retrying by itself)');
      } else if (Date.now() - this.lastWarnAt >= STILL_DOWN_WARN_MS) {
        this.lastWarnAt = Date.now();
        this.log.warn({ error: (e as Error).message, downMs: Date.now() - this.lostSince }, 'feed still cannot LISTEN for publications; retrying');
      } else {
        this.log.debug({ error: (e as Error).message }, 'feed still cannot LISTEN; retrying');
      }
      this.scheduleReconnect();
    }
  }

  private lost(client: Client, e: Error): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => undefined);
    this.lostSince = this.lastWarnAt = Date.now();
    this.log.warn({ error: e.message }, 'feed lost its LISTEN connection; reconnecting (publications meanwhile are caught up on reconnect)');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  /** The safety net: one tiny read every few seconds on the LISTEN connection, not one per subscriber. */
  private async poll(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      this.advance(await this.readWatermark(client));
    } catch (e) {
      // A broken connection also emits 'error'/'end', which reconnects; a failed statement alone is retried next poll.
      this.log.debug({ error: (e as Error).message }, 'feed could not read the published watermark');
    }
  }

  private async readWatermark(client: Client): Promise<bigint> {
    this.queries++;
    const { rows } = await client.query('SELECT published_through::text AS through FROM relay_state');
    return BigInt(rows[0].through);
  }
}
