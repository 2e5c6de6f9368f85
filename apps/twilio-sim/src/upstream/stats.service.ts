import { Injectable } from '@nestjs/common';

/** Webhook deliveries of one account. */
export interface WebhookDeliveryStats {
  /** HTTP requests started towards the receiver (duplicates included). */
  sent: number;
  /** Of those, answered 2xx. */
  delivered: number;
  /** Of those, a connection error, a timeout or a non-2xx answer. */
  failed: number;
  /** Events a `dropRate` fault kept from being sent at all. */
  dropped: number;
  /** Extra copies a `duplicateRate` fault scheduled. */
  duplicated: number;
  /** Copies scheduled and not finished yet (delayed, held for reordering, queued or in flight). */
  pending: number;
}

/** Counters of the Twilio surface (the admin surface is not counted) and of the webhooks sent. */
export interface SimStats {
  total: number;
  /** HTTP status → count; `reset` for sockets destroyed on purpose, `aborted` when the client left first. */
  byStatus: Record<string, number>;
  byAccount: Record<string, number>;
  /** Account → highest number of its requests in flight at once since the last reset. */
  maxInFlight: Record<string, number>;
  /** Account → requests in flight right now. */
  inFlight: Record<string, number>;
  /** Account → 429s answered because its in-flight limit was reached (429 faults are in byStatus only). */
  refused: Record<string, number>;
  /**
   * Account → mean time a request held its slot, admission to response end (ms): the configured latency plus
   * the simulator's own work and writing. A client can reach at most limit ÷ this many requests a second.
   */
  meanSlotMs: Record<string, number>;
  byRoute: Record<string, number>;
  /** Account → its webhook deliveries. */
  webhooks: Record<string, WebhookDeliveryStats>;
}

type WebhookCounter = Exclude<keyof WebhookDeliveryStats, 'pending'>;

@Injectable()
export class StatsService {
  private total = 0;
  private byStatus = new Map<string, number>();
  private byAccount = new Map<string, number>();
  private byRoute = new Map<string, number>();
  private maxInFlight = new Map<string, number>();
  private inFlight = new Map<string, number>();
  private refusals = new Map<string, number>();
  private slotMs = new Map<string, { total: number; count: number }>();
  private webhooks = new Map<string, WebhookDeliveryStats>();

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

  refused(accountSid: string): void {
    bump(this.refusals, accountSid);
  }

  slotReleased(accountSid: string, heldMs: number): void {
    const s = this.slotMs.get(accountSid) ?? { total: 0, count: 0 };
    s.total += heldMs;
    s.count++;
    this.slotMs.set(accountSid, s);
  }

  webhook(accountSid: string, counter: WebhookCounter): void {
    this.webhookStats(accountSid)[counter]++;
  }

  webhookPending(accountSid: string, delta: number): void {
    const s = this.webhookStats(accountSid);
    s.pending = Math.max(0, s.pending + delta);
  }

  snapshot(): SimStats {
    return {
      total: this.total,
      byStatus: Object.fromEntries(this.byStatus),
      byAccount: Object.fromEntries(this.byAccount),
      maxInFlight: Object.fromEntries(this.maxInFlight),
      inFlight: Object.fromEntries([...this.inFlight].filter(([, n]) => n > 0)),
      refused: Object.fromEntries(this.refusals),
      byRoute: Object.fromEntries(this.byRoute),
      meanSlotMs: Object.fromEntries([...this.slotMs].map(([a, s]) => [a, Math.round((s.total / s.count) * 100) / 100])),
      webhooks: Object.fromEntries([...this.webhooks].map(([a, s]) => [a, { ...s }])),
    };
  }

  /** Requests in flight and webhooks pending stay counted; the in-flight peak restarts from what is in flight now. */
  reset(): void {
    this.total = 0;
    this.byStatus.clear();
    this.byAccount.clear();
    this.byRoute.clear();
    this.slotMs.clear();
    this.refusals.clear();
    this.maxInFlight = new Map([...this.inFlight].filter(([, n]) => n > 0));
    this.webhooks = new Map(
      [...this.webhooks].filter(([, s]) => s.pending > 0).map(([a, s]) => [a, { ...emptyWebhookStats(), pending: s.pending }]),
    );
  }

  private webhookStats(accountSid: string): WebhookDeliveryStats {
    let s = this.webhooks.get(accountSid);
    if (!s) {
      s = emptyWebhookStats();
      this.webhooks.set(accountSid, s);
    }
    return s;
  }
}

function emptyWebhookStats(): WebhookDeliveryStats {
  return { sent: 0, delivered: 0, failed: 0, dropped: 0, duplicated: 0, pending: 0 };
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
