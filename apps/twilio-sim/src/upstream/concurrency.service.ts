import { Injectable } from '@nestjs/common';
import { StatsService } from './stats.service';

/**
 * Twilio limits reads by concurrency per account. A request holds a slot from admission until its response
 * ends (latency included); one that finds every slot taken is refused with 429 and never holds one.
 */
@Injectable()
export class ConcurrencyService {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly stats: StatsService) {}

  /**
   * `limit` 0 = unlimited (still counted, so stats show the peak). Returns the account's requests in flight
   * with this one admitted, or null when refused (every slot taken).
   */
  tryAcquire(accountSid: string, limit: number): number | null {
    const current = this.inFlight.get(accountSid) ?? 0;
    if (limit > 0 && current >= limit) {
      this.stats.refused(accountSid);
      return null;
    }
    this.inFlight.set(accountSid, current + 1);
    this.stats.inFlightChanged(accountSid, current + 1);
    return current + 1;
  }

  current(accountSid: string): number {
    return this.inFlight.get(accountSid) ?? 0;
  }

  /** `heldMs`: since tryAcquire admitted the request. */
  release(accountSid: string, heldMs: number): void {
    this.stats.slotReleased(accountSid, heldMs);
    const next = Math.max(0, (this.inFlight.get(accountSid) ?? 0) - 1);
    this.inFlight.set(accountSid, next);
    this.stats.inFlightChanged(accountSid, next);
  }
}
