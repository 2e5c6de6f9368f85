import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every family the mirror registers starts with this; dashboards and alerts rely on the names below. */
export const METRIC_PREFIX = 'twilio_mirror_';

export type UserOutcome = 'created' | 'updated' | 'deleted' | 'unchanged' | 'rejected';
export const USER_OUTCOMES: readonly UserOutcome[] = ['created', 'updated', 'deleted', 'unchanged', 'rejected'];
export type FeedClientKind = 'sse' | 'long_poll';
/** How a run ended (sync_runs.status). */
export type CrawlEnd = 'succeeded' | 'failed' | 'removed';

/** What one write of users did: a page, a sweep's point fetches, its confirmed deletions (MirrorWriter's WriteResult). */
export interface UsersWritten {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  rejected: readonly unknown[];
}

/** One finished HTTP attempt upstream, as TwilioClient's `onRequest` observer reports it. */
export interface UpstreamRequest {
  accountSid: string;
  /** Null: no HTTP answer (a timeout, a reset), or the caller gave up on it. */
  status: number | null;
  durationMs: number;
  error?: unknown;
}

/**
 * The process's Prometheus registry and the families the code records into, through small typed methods (the
 * code being measured never touches prom-client). Families read from Postgres, Redis or BullMQ when Prometheus
 * scrapes are registered on the same registry by the scrape sources (./scrape). One registry per Nest app, not
 * prom-client's global one: tests run several apps in one process.
 *
 * Labels stay bounded: account and service sids (configured or discovered, a handful), HTTP statuses, fixed
 * outcomes. Never a user sid.
 */
@Injectable()
export class MirrorMetrics {
  readonly registry = new Registry();

  private readonly upstreamRequests = new Counter({
    name: `${METRIC_PREFIX}upstream_requests_total`,
    help: 'HTTP requests to Twilio (one per attempt), by account and status: an HTTP status, "network_error" or "aborted"',
    labelNames: ['account_sid', 'status'] as const,
    registers: [this.registry],
  });
  private readonly upstreamDuration = new Histogram({
    name: `${METRIC_PREFIX}upstream_request_duration_seconds`,
    help: 'Time of one HTTP request to Twilio, from sending it to having its whole body',
    labelNames: ['account_sid'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly pages = new Counter({
    name: `${METRIC_PREFIX}pages_total`,
    help: 'User pages written into the mirror (each in one transaction with its checkpoint)',
    labelNames: ['service_sid'] as const,
    registers: [this.registry],
  });
  private readonly users = new Counter({
    name: `${METRIC_PREFIX}users_total`,
    help: 'Users written by crawls, by what the write found: created, updated, deleted, unchanged, rejected',
    labelNames: ['service_sid', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly crawlDuration = new Histogram({
    name: `${METRIC_PREFIX}crawl_duration_seconds`,
    help: 'Wall time of a sync run from its start to its end (throttled waits included), by how it ended',
    labelNames: ['outcome'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400],
    registers: [this.registry],
  });
  private readonly scrapeErrors = new Counter({
    name: `${METRIC_PREFIX}scrape_errors_total`,
    help: 'Scrapes whose reading of a source (postgres, redis, queue) failed or timed out: its gauges were left out',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  private readonly webhookOutcomes = new Counter({
    name: `${METRIC_PREFIX}webhooks_total`,
    help:
      "Twilio's user webhooks and the fetches they queued, by account (`other`: requests naming no configured account) " +
      'and outcome: received, rejected, ignored, queued, coalesced, unrecorded; applied, created, updated, deleted, ' +
      'unchanged, stale, paced, throttled, fetch_failures',
    labelNames: ['account_sid', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly feedClientsOpen = new Gauge({
    name: `${METRIC_PREFIX}feed_clients`,
    help: 'Change-feed clients connected to this process: open SSE streams and waiting long-polls',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Series that exist from the start, at 0, so that rate() and alerts see them before the first event.
    for (const kind of ['sse', 'long_poll'] as const) this.feedClientsOpen.set({ kind }, 0);
  }

  /** TwilioClient's `onRequest`: every attempt, so a 429 is counted once, where it happened. */
  upstreamRequest(e: UpstreamRequest): void {
    const status = e.status !== null ? String(e.status) : e.error ? 'network_error' : 'aborted';
    this.upstreamRequests.inc({ account_sid: e.accountSid, status });
    this.upstreamDuration.observe({ account_sid: e.accountSid }, e.durationMs / 1000);
  }

  /** A crawl's page committed: one page, and its users by outcome. */
  pageWritten(serviceSid: string, result: UsersWritten): void {
    this.pages.inc({ service_sid: serviceSid });
    this.usersWritten(serviceSid, result);
  }

  /** Users written outside paging (the deletion sweep's point fetches and tombstones). */
  usersWritten(serviceSid: string, result: UsersWritten): void {
    const counts: Record<UserOutcome, number> = {
      created: result.created,
      updated: result.updated,
      deleted: result.deleted,
      unchanged: result.unchanged,
      rejected: result.rejected.length,
    };
    for (const outcome of USER_OUTCOMES) {
      // inc(0) still creates the series: every outcome of a service is there once it was crawled.
      this.users.inc({ service_sid: serviceSid, outcome }, counts[outcome]);
    }
  }

  /** Webhook outcomes of this process (libs/webhooks' counters: see webhook-counters.ts). */
  webhooks(account: string, counts: Readonly<Record<string, number>>): void {
    for (const [outcome, n] of Object.entries(counts)) if (n) this.webhookOutcomes.inc({ account_sid: account, outcome }, n);
  }

  /** A run ended; `seconds` from its start to its end. */
  crawlEnded(outcome: CrawlEnd, seconds: number): void {
    this.crawlDuration.observe({ outcome }, Math.max(0, seconds));
  }

  /** A scrape-time source could not be read (see ScrapeReading). */
  scrapeFailed(source: string): void {
    this.scrapeErrors.inc({ source });
  }

  /** The change feed reports its clients: +1 when one starts waiting or streaming, -1 when it leaves. */
  feedClients(kind: FeedClientKind, delta: 1 | -1): void {
    this.feedClientsOpen.inc({ kind }, delta);
  }

  /**
   * feedClients(kind, +1) now and -1 when the response closes (sent, or the client went away). A response already
   * closed is not counted: its 'close' has been emitted.
   */
  feedClientOpened(kind: FeedClientKind, res: { closed?: boolean; once(event: 'close', listener: () => void): unknown }): void {
    if (res.closed) return;
    this.feedClients(kind, 1);
    res.once('close', () => this.feedClients(kind, -1));
  }
}
