import { Injectable } from '@nestjs/common';

/** Counters of the Twilio surface (the admin surface is not counted). */
export interface SimStats {
  total: number;
  /** HTTP status → count; `reset` for sockets destroyed on purpose, `aborted` when the client left first. */
  byStatus: Record<string, number>;
  byAccount: Record<string, number>;
  /** Account → highest number of its requests in flight at once since the last reset. */
  maxInFlight: Record<string, number>;
  /** Account → requests in flight right now. */
  inFlight: Record<string, number>;
  /**
   * Account → mean time a request held its slot, admission to response end (ms): the configured latency plus
   * the simulator's own work and writing. A client can reach at most limit ÷ this many requests a second.
   */
  meanSlotMs: Record<string, number>;
  byRoute: Record<string, number>;
}

@Injectable()
export class StatsService {
  private total = 0;
  private byStatus = new Map<string, number>();
  private byAccount = new Map<string, number>();
  private byRoute = new Map<string, number>();
  private maxInFlight = new Map<string, number>();
  private inFlight = new Map<string, number>();
  private slotMs = new Map<string, { total: number; count: number }>();

  record(route: string, status: string, accountSid: string | null): void {
    this.total++;
    bump(this.byStatus, status);
    bump(this.byRoute, route);
    if (accountSid !== null) bump(this.byAccount, accountSid);
  }

  inFlightChanged(accountSid: string, count: number): void {
    this.inFlight.set(accountSid, count);
    if (count > (this.maxInFlight.get(accountSid) ?? 0)) this.maxInFlight.set(accountSid, count);
  }

  slotReleased(accountSid: string, heldMs: number): void {
    const s = this.slotMs.get(accountSid) ?? { total: 0, count: 0 };
    s.total += heldMs;
    s.count++;
    this.slotMs.set(accountSid, s);
  }

  snapshot(): SimStats {
    return {
      total: this.total,
      byStatus: Object.fromEntries(this.byStatus),
      byAccount: Object.fromEntries(this.byAccount),
      maxInFlight: Object.fromEntries(this.maxInFlight),
      inFlight: Object.fromEntries([...this.inFlight].filter(([, n]) => n > 0)),
      byRoute: Object.fromEntries(this.byRoute),
      meanSlotMs: Object.fromEntries([...this.slotMs].map(([a, s]) => [a, Math.round((s.total / s.count) * 100) / 100])),
    };
  }

  /** Requests in flight stay counted; their peak restarts from what is in flight now. */
  reset(): void {
    this.total = 0;
    this.byStatus.clear();
    this.byAccount.clear();
    this.byRoute.clear();
    this.slotMs.clear();
    this.maxInFlight = new Map([...this.inFlight].filter(([, n]) => n > 0));
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
