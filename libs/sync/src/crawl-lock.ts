import { PgConnections } from '@app/database';
import { Injectable } from '@nestjs/common';

/** The advisory-lock namespace of crawls (two-key locks: this, then the service sid's hash). */
export const CRAWL_LOCK_SPACE = 0x6372_776c;

export interface HeldCrawlLock {
  release(): Promise<void>;
}

/**
 * One crawl per service at a time, across every worker process. BullMQ's deduplication and job lock
 * already give that, except when a job's lock lapses while its processor is alive (an event loop blocked
 * past WORKER_LOCK_MS, Redis unreachable for that long): stalled-job recovery then starts a second processor
 * on the same run, and the two would diff, announce and checkpoint the same pages. A session advisory lock on
 * a connection of the crawl's own closes that gap; Postgres frees it the moment a killed worker's connection
 * dies, so recovery after a real crash is not held up.
 */
@Injectable()
export class CrawlLocks {
  constructor(private readonly pg: PgConnections) {}

  /** Null when another processor holds the service. `onLost`: the lock's connection died mid-crawl. */
  async tryAcquire(serviceSid: string, onLost: (reason: Error) => void): Promise<HeldCrawlLock | null> {
    const client = this.pg.dedicated({ applicationName: 'twilio-mirror-crawl-lock' });
    let released = false;
    const lost = (reason: Error) => {
      if (released) return;
      released = true;
      client.end().catch(() => undefined);
      onLost(reason);
    };
    client.on('error', lost);
    let ok: boolean;
    try {
      await client.connect();
      ok = (await client.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [CRAWL_LOCK_SPACE, serviceSid])).rows[0].ok;
    } catch (e) {
      released = true;
      await client.end().catch(() => undefined);
      throw e;
    }
    if (!ok) {
      released = true;
      await client.end();
      return null;
    }
    client.on('end', () => lost(new Error('the crawl lock connection ended')));
    return {
      release: async () => {
        if (released) return;
        released = true;
        await client.end().catch(() => undefined); // ending the session frees the lock
      },
    };
  }
}
