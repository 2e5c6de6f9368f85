import { Logger } from 'pino';
import { MirrorMetrics } from '../mirror-metrics';

/** A scrape waits this long for a source; Prometheus's own scrape timeout is 10 s by default. */
export const SCRAPE_SOURCE_DEADLINE_MS = 2000;

/**
 * A value read from shared state (Postgres, Redis, BullMQ) when Prometheus scrapes. The gauges fed by one reading
 * share one read per scrape (prom-client starts every metric's collect at once: they all join the read in
 * flight), a read is bounded by a deadline (the queue's Redis connection waits for Redis rather than failing),
 * and a failure costs only this source's gauges: they are left out of that scrape (NaN for a gauge without
 * labels), counted in twilio_mirror_scrape_errors_total, and logged once per outage.
 */
export class ScrapeReading<T> {
  private inFlight: Promise<T | null> | null = null;
  private failing = false;

  constructor(
    private readonly source: string,
    private readonly read: () => Promise<T>,
    private readonly metrics: MirrorMetrics,
    private readonly log: Logger,
    private readonly deadlineMs = SCRAPE_SOURCE_DEADLINE_MS,
  ) {}

  /** The value, or null when the source did not answer in time. */
  get(): Promise<T | null> {
    this.inFlight ??= this.readOnce().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async readOnce(): Promise<T | null> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.deadlineMs} ms`)), this.deadlineMs);
    });
    try {
      const value = await Promise.race([this.read(), deadline]);
      if (this.failing) this.log.info({ source: this.source }, 'metrics source answers again');
      this.failing = false;
      return value;
    } catch (e) {
      this.metrics.scrapeFailed(this.source);
      if (!this.failing) this.log.warn({ source: this.source, error: (e as Error).message }, 'metrics source did not answer: its gauges are left out of the scrape');
      this.failing = true;
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}
