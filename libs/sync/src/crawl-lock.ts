import { PgConnections } from '@app/database';
import { ROOT_LOGGER } from '@app/logger';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Logger } from 'pino';
import type { Client } from 'pg';

/** The advisory-lock namespace of crawls (two-key locks: this, then the service sid's hash). */
export const CRAWL_LOCK_SPACE = 0x6372_776c;

export interface HeldCrawlLock {
  release(): Promise<void>;
}

interface Session {
  client: Client;
  /** The session's statements, one after another (pg will stop queueing concurrent queries itself). */
  tail: Promise<unknown>;
  /** The crawls holding a lock on this session, by service, with what to tell them if the session dies. */
  held: Map<string, (reason: Error) => void>;
  lost: boolean;
}

/**
 * One crawl per service at a time, across every worker process. BullMQ's deduplication and job lock already give
 * that, except when a job's lock lapses while its processor is alive (an event loop blocked past WORKER_LOCK_MS,
 * Redis unreachable for that long): stalled-job recovery then starts a second processor on the same run, and the
 * two would diff, announce and checkpoint the same pages. Session advisory locks close that gap; Postgres frees
 * them the moment a killed worker's connection dies, so recovery after a real crash is not held up.
 *
 * Every crawl of the process holds its lock on one session of the process's own, so dozens of concurrent crawls
 * cost one connection. If that session dies, every crawl holding a lock on it is told, stops writing, and is
 * retried; the next lock opens a new session.
 */
@Injectable()
export class CrawlLocks implements OnApplicationShutdown {
  private live: Session | null = null;
  private opening: Promise<Session> | null = null;

  private readonly log: Logger;

  constructor(
    private readonly pg: PgConnections,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'crawl-locks' });
  }

  /** Null when another processor (or crawl of this process) holds the service. `onLost`: the lock's session died. */
  async tryAcquire(serviceSid: string, onLost: (reason: Error) => void): Promise<HeldCrawlLock | null> {
    const session = await this.current();
    // Session locks are re-entrant: a second crawl of this process would get one too, so this process's own come first.
    if (session.held.has(serviceSid)) return null;
    session.held.set(serviceSid, onLost);
    let ok = false;
    try {
      ok = (await serial(session, 'SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [CRAWL_LOCK_SPACE, serviceSid])).rows[0].ok;
    } finally {
      if (!ok) session.held.delete(serviceSid);
    }
    if (!ok) return null;
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        if (session.held.get(serviceSid) !== onLost) return; // the session died: the lock went with it
        session.held.delete(serviceSid);
        await serial(session, 'SELECT pg_advisory_unlock($1, hashtext($2))', [CRAWL_LOCK_SPACE, serviceSid]).catch(() => undefined);
      },
    };
  }

  async onApplicationShutdown(): Promise<void> {
    const session = (await this.opening?.catch(() => null)) ?? this.live;
    this.live = null;
    if (session && !session.lost) {
      session.lost = true;
      await session.client.end().catch(() => undefined); // ending the session frees its locks
    }
  }

  /** The live session, or a new one when there is none (or it died). */
  private current(): Promise<Session> {
    if (this.live && !this.live.lost) return Promise.resolve(this.live);
    // A failed open is not kept: the next lock tries again.
    this.opening ??= this.open().finally(() => (this.opening = null));
    return this.opening;
  }

  private async open(): Promise<Session> {
    const client = this.pg.dedicated({ applicationName: 'twilio-mirror-crawl-locks' });
    const session: Session = { client, tail: Promise.resolve(), held: new Map(), lost: false };
    const lost = (reason: Error) => {
      if (session.lost) return;
      session.lost = true;
      if (session.held.size) this.log.warn({ error: reason.message, crawls: session.held.size }, 'crawl locks session lost: its crawls stop and are retried');
      client.end().catch(() => undefined);
      const holders = [...session.held.values()];
      session.held.clear();
      for (const onLost of holders) onLost(reason);
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('the crawl locks connection ended')));
    try {
      await client.connect();
    } catch (e) {
      session.lost = true;
      await client.end().catch(() => undefined);
      throw e;
    }
    this.live = session;
    return session;
  }
}

function serial(session: Session, text: string, values: unknown[]): Promise<{ rows: any[] }> {
  const result = session.tail.then(() => session.client.query(text, values));
  session.tail = result.catch(() => undefined);
  return result;
}
