import { Client } from 'pg';
import { OUTBOX_CHANNEL } from './user-event-row';
import type { SqlRunner } from './sql-runner';

/** Any fixed number, the same in every process: advisory locks are per database, so one relay leads per mirror. */
export const RELAY_LOCK_KEY = 0x7477_6d72;

/**
 * Leadership of the outbox relay: a session advisory lock on a connection of the relay's own. The leader
 * does all its reads and writes on that connection too, so it cannot go on working on a connection that
 * lost the lock; and Postgres releases the lock the moment that connection dies, for a follower to take.
 */
export class LeaderLock {
  private client: Client | null = null;
  private leader = false;

  constructor(
    /** A new session of the relay's own (PgConnections.dedicated): the owner of the process's connections makes it. */
    private readonly newClient: () => Client,
    private readonly onNotify: () => void,
    private readonly onLost: (reason: Error) => void,
    private readonly key = RELAY_LOCK_KEY,
  ) {}

  get held(): boolean {
    return this.leader;
  }

  async tryAcquire(): Promise<boolean> {
    const client = await this.connection();
    const { rows } = await client.query('SELECT pg_try_advisory_lock($1) AS ok', [this.key]);
    if (!rows[0].ok) return false;
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    this.leader = true;
    return true;
  }

  readonly query: SqlRunner = async (sql, params) => {
    const client = this.client;
    if (!client || !this.leader) throw new Error('the relay lost its leader connection');
    return (await client.query(sql, params)).rows;
  };

  /** Closes the connection, which also frees the lock: after any error on it, nothing about it is trusted. */
  async drop(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.leader = false;
    await client?.end().catch(() => undefined);
  }

  async release(): Promise<void> {
    if (this.client && this.leader) await this.client.query('SELECT pg_advisory_unlock($1)', [this.key]).catch(() => undefined);
    await this.drop();
  }

  /** The backend pid of the lock connection (tests terminate it to kill a leader). */
  get pid(): number | null {
    return (this.client as unknown as { processID?: number } | null)?.processID ?? null;
  }

  private async connection(): Promise<Client> {
    if (this.client) return this.client;
    const client = this.newClient();
    const lost = (reason: Error) => {
      if (this.client !== client) return;
      const wasLeader = this.leader;
      this.client = null;
      this.leader = false;
      client.end().catch(() => undefined);
      if (wasLeader) this.onLost(reason);
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('connection ended')));
    client.on('notification', () => this.onNotify());
    try {
      await client.connect();
      // Whatever the database's default: the relay's commits are what make events durable before they are
      // published (see OutboxRelayRepository).
      await client.query('SET synchronous_commit = on');
    } catch (e) {
      await client.end().catch(() => undefined); // a connection that is half set up is not kept, nor leaked
      throw e;
    }
    this.client = client;
    return client;
  }
}
