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

  /** `limit` 0 = unlimited (still counted, so stats show the peak). */
  tryAcquire(accountSid: string, limit: number): boolean {
    const current = this.inFlight.get(accountSid) ?? 0;
    if (limit > 0 && current >= limit) return false;
    this.inFlight.set(accountSid, current + 1);
    this.stats.inFlightChanged(accountSid, current + 1);
    return true;
  }

  /** `heldMs`: since tryAcquire admitted the request. */
  release(accountSid: string, heldMs: number): void {
    this.stats.slotReleased(accountSid, heldMs);
    const next = Math.max(0, (this.inFlight.get(accountSid) ?? 0) - 1);
    this.inFlight.set(accountSid, next);
    this.stats.inFlightChanged(accountSid, next);
  }
}
