/** How often a crawl in progress says how far it is. */
export const PROGRESS_INTERVAL_MS = 10_000;

export interface ProgressReport {
  /** Pages of this run written so far. */
  pages: number;
  /** Pages of the service's last successful run: what this run is measured against (null before the first). */
  expectedPages: number | null;
  /** Users of this run so far (sync_runs.users_seen: the records of its pages that were not rejected). */
  users: number;
  /** Users per second since this attempt started. */
  usersPerSecond: number;
  /** Seconds left at this attempt's page rate, or null when there is nothing to measure against. */
  etaSeconds: number | null;
}

/**
 * What a long crawl logs every PROGRESS_INTERVAL_MS: pages against the last successful run's, users, users/s and
 * an ETA. Rates are this attempt's (a run resumed after a 429 or a restart starts counting again), so a long wait
 * in between does not read as a slow crawl.
 */
export class CrawlProgress {
  private readonly startedAt: number;
  private lastReportAt: number;
  private pagesNow = 0;
  private usersNow = 0;

  constructor(
    private readonly before: { pages: number; users: number },
    private readonly expectedPages: number | null,
    private readonly clock: () => number = Date.now,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
  ) {
    this.startedAt = this.lastReportAt = clock();
  }

  /** Counts a written page; returns a report when one is due. */
  pageWritten(users: number): ProgressReport | null {
    this.pagesNow++;
    this.usersNow += users;
    const now = this.clock();
    if (now - this.lastReportAt < this.intervalMs) return null;
    this.lastReportAt = now;
    return this.report(now);
  }

  report(now = this.clock()): ProgressReport {
    const seconds = Math.max((now - this.startedAt) / 1000, 0.001);
    const pages = this.before.pages + this.pagesNow;
    const left = this.expectedPages === null ? null : this.expectedPages - pages;
    return {
      pages,
      expectedPages: this.expectedPages,
      users: this.before.users + this.usersNow,
      usersPerSecond: Math.round((this.usersNow / seconds) * 10) / 10,
      etaSeconds: left === null || left <= 0 || this.pagesNow === 0 ? null : Math.round((left * seconds) / this.pagesNow),
    };
  }
}
