import type Redis from 'ioredis';
import type { DrainLogger } from './relay-drain';

/**
 * The relay's own Redis connection (made by RedisConnections.dedicated). Not the queue's: BullMQ needs that one to
 * wait for Redis forever (maxRetriesPerRequest null), which would leave a leader holding the lock, its round and a
 * SIGTERM hanging through an outage. Here a command caught by a disconnect fails at once, none waits for a
 * connection, and the relay competes for the lead only while this connection is ready; losing and regaining it
 * are logged once each.
 */
export class RelayRedis {
  private downSince: number | null = null;
  private closing = false;

  constructor(
    readonly client: Redis,
    private readonly log: DrainLogger,
    onReady: () => void,
  ) {
    this.client.on('error', (e: Error) => this.lost(e.message));
    this.client.on('close', () => this.lost('connection closed'));
    this.client.on('ready', () => {
      if (this.downSince !== null) {
        this.log.info({ downMs: Date.now() - this.downSince }, 'relay reconnected to Redis');
        this.downSince = null;
      }
      onReady();
    });
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Until the connection is ready (or `timeoutMs` passed: the command that follows then fails on its own). */
  async whenReady(timeoutMs: number): Promise<void> {
    if (this.ready) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.client.once('ready', done);
    });
  }

  /** Whether the connection is known to be down (a failed round then needs no log line of its own). */
  get down(): boolean {
    return this.downSince !== null;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private lost(reason: string): void {
    if (this.closing || this.downSince !== null) return;
    this.downSince = Date.now();
    this.log.warn({ error: reason }, 'relay lost its Redis connection; reconnecting, and not leading meanwhile');
  }
}
