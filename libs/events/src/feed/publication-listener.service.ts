import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { Logger } from 'pino';
import { PUBLISHED_CHANNEL } from '../outbox-relay.repository';

const RECONNECT_MS = 1000;

/**
 * Wakes the feed's waiting requests when the relay published events (Postgres NOTIFY), on one LISTEN connection
 * per process however many clients wait. Waiters also wake on a short timeout, so a notification lost
 * while the connection was down costs a little latency, not a missed event.
 */
@Injectable()
export class PublicationListener implements OnModuleInit, OnApplicationShutdown {
  private readonly log: Logger;
  private client: Client | null = null;
  private closed = false;
  private readonly waiters = new Set<() => void>();
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'events-feed' });
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  /** Resolves at the next publication, after `ms`, or when `signal` aborts, whichever comes first. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const w of [...this.waiters]) w();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.config.databaseUrl, application_name: 'twilio-mirror-feed', keepAlive: true });
    const lost = (e: Error) => {
      if (this.client !== client) return;
      this.client = null;
      client.end().catch(() => undefined);
      this.log.warn({ error: e.message }, 'feed lost its LISTEN connection; reconnecting');
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('connection ended')));
    client.on('notification', () => {
      for (const w of [...this.waiters]) w();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${PUBLISHED_CHANNEL}`);
      this.client = client;
    } catch (e) {
      client.end().catch(() => undefined);
      this.log.warn({ error: (e as Error).message }, 'feed could not LISTEN; polling until it can');
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, RECONNECT_MS);
    this.reconnectTimer.unref();
  }
}
