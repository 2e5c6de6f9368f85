import type { IncomingUser, TwilioUser } from '@app/domain';

/** Whose users an observation is about. */
export interface WriteScope {
  accountSid: string;
  serviceSid: string;
}

/** The crawl an observation belongs to: its counters are kept, and what it saw is remembered for its sweep. */
export interface CrawlRunRef {
  runId: string;
  crawlId: string;
}

/** Upstream requests that went into a page, for the run's counters. */
export interface Attempts {
  requests: number;
  throttled: number;
  retries: number;
}

export const NO_ATTEMPTS: Readonly<Attempts> = Object.freeze({ requests: 0, throttled: 0, retries: 0 });

/** A user record as observed upstream, keyed by the hash of what Twilio sent (see observeUsers). */
export interface ObservedUser {
  sid: string;
  sourceHash: string;
  /** The record carries is_online/is_notifiable (a point fetch): stored presence may change. */
  presence: boolean;
  record: TwilioUser;
  /**
   * When the request that read the record was sent (epoch ms), to order it against the stored state within
   * date_updated's one second (see isStaleObservation); null when unknown.
   */
  readAt: number | null;
  /** toIncomingUser's result (or why it refused the record), when it was worth computing ahead. */
  prepared?: IncomingUser | Error;
}

/** A record that could not be mirrored, and why. `sid` is what the record said (maybe not a sid at all). */
export interface Rejection {
  sid: unknown;
  reason: string;
}

/**
 * Everything the mirror learns about users, whatever found it out:
 * - `page`: a page of a crawl, written with the run's checkpoint (the page's next URL) so that both move together;
 * - `fetched`: users read one by one (the deletion sweep's point fetches, a webhook's);
 * - `gone`: users Twilio confirmed deleted (20404 on a point fetch), tombstoned.
 *
 * Whatever the kind, an observation older than the stored state (see isStaleObservation) is not written: a crawl
 * page read before a webhook's fetch never writes its older copy back.
 */
export type Observation =
  | {
      kind: 'page';
      scope: WriteScope;
      run: CrawlRunRef;
      users: ObservedUser[];
      /** Records the client rejected already. */
      rejected: Rejection[];
      nextUrl: string | null;
      attempts: Attempts;
      /** The page before was unchanged: try the one-statement no-op first. */
      expectUnchanged: boolean;
    }
  | { kind: 'fetched'; scope: WriteScope; run: CrawlRunRef | null; users: ObservedUser[] }
  | {
      kind: 'gone';
      scope: WriteScope;
      run: CrawlRunRef | null;
      sids: string[];
      /** When the first of the requests answered 20404 was sent (epoch ms): a state read after it is kept. */
      readAt: number;
    };

export interface WriteResult {
  /** Users diffed (after rejected records and repeated sids are dropped). */
  users: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Users (among `unchanged`) whose observation was older than the stored state: neither written nor announced. */
  stale: number;
  rejected: Rejection[];
}
