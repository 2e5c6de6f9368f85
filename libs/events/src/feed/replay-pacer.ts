import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Holds one subscriber to `ratePerSecond` events, after a burst of one second's worth (the generic cell rate
 * algorithm: one number of state, no timer while nothing is sent). A subscriber at the head of the feed never
 * notices it; one replaying a backlog is served at this pace instead of as fast as Postgres and the socket allow,
 * which leaves the process's time to the rest of its clients. Hand-written: the libraries that do this (limiter,
 * bottleneck) schedule jobs or poll with timers, where one subtraction per page is all that is needed here.
 */
export class ReplayPacer {
  /** When the events granted so far would all have been sent at the rate (ms since the epoch). */
  private theoretical = 0;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burstMs = 1000,
    /** The process's budget, shared by every subscriber's pacer: taken after the subscriber's own share. */
    private readonly shared?: ReplayPacer,
  ) {}

  /** How long to wait before sending `events` more; records them as sent after that wait. */
  reserve(events: number, now = Date.now()): number {
    this.theoretical = Math.max(this.theoretical, now) + (events * 1000) / this.ratePerSecond;
    return Math.max(0, this.theoretical - this.burstMs - now);
  }

  /** Waits for the right to send `events` (returns at once when the signal aborts). */
  async take(events: number, signal?: AbortSignal): Promise<void> {
    const wait = this.reserve(events);
    if (wait > 0 && !signal?.aborted) await sleep(wait, undefined, { signal }).catch(() => undefined);
    if (this.shared && !signal?.aborted) await this.shared.take(events, signal);
  }
}
