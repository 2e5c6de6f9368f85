/** Tuning of the outbox relay; the defaults suit production, tests shorten the waits. */
export interface RelayOptions {
  /** Rows read, XADDed in one pipeline and marked per round. */
  batchSize: number;
  /** Poll when idle, in case a NOTIFY was missed (they are not queued while the connection is down). */
  idlePollMs: number;
  /**
   * Least time from the start of one round to the next. A crawl commits a page (and NOTIFYs) every few ms;
   * gathering several pages into one round divides the round's fixed cost (two queries, a WAL flush, a
   * script call) for a few ms of latency.
   */
  minRoundMs: number;
  /** How often a follower tries to take the lock. */
  followerPollMs: number;
  /** Wait after an error before trying again (on a new connection). */
  errorBackoffMs: number;
  /** Wait when the stream is found ahead of the outbox (see StreamAheadError) before looking again. */
  streamAheadBackoffMs: number;
  /**
   * How often an idle leader compares the stream with the outbox, to refill a stream Redis lost. (With events to
   * publish, the XADD script checks it on every batch.)
   */
  streamCheckMs: number;
  /** How often the leader prunes published events past the retention. */
  pruneIntervalMs: number;
  pruneBatch: number;
}

export const DEFAULT_RELAY_OPTIONS: RelayOptions = {
  batchSize: 1000,
  idlePollMs: 100,
  minRoundMs: 10,
  followerPollMs: 500,
  errorBackoffMs: 1000,
  streamAheadBackoffMs: 30_000,
  streamCheckMs: 1000,
  pruneIntervalMs: 10 * 60_000,
  pruneBatch: 5000,
};

export const RELAY_OPTIONS = Symbol('RELAY_OPTIONS');
