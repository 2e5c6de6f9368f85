import { CronTime } from 'cron';
import type { ServiceStatusDto } from '../services/service-status.dto';
import type { SyncRunDto } from '../services/sync-run.dto';

/** Everything the status page shows, computed; the view only formats it. */
export interface StatusSnapshot {
  generatedAt: Date;
  refreshSeconds: number;
  accounts: AccountStatus[];
  services: ServiceStatus[];
  /** More services than the page lists. */
  truncated: boolean;
  outbox: { unpublished: number; lagSeconds: number } | null;
  queue: Record<string, number> | null;
  /** How old a last success may be before the service counts as stale (twice the SYNC_CRON interval). */
  staleAfterSeconds: number;
}

export interface AccountStatus {
  sid: string;
  health: string;
  lastError: string | null;
  /** Null when Redis did not answer. */
  budget: { limit: number; inFlight: number } | null;
  throttledRecently: number | null;
}

export interface ServiceStatus {
  sid: string;
  friendlyName: string | null;
  accountSid: string;
  enabled: boolean;
  removed: boolean;
  users: number;
  lastSuccessAt: Date | null;
  /** Seconds since the last success; null before the first. */
  ageSeconds: number | null;
  stale: boolean;
  lastRunStatus: string | null;
  /** Records the latest run (the current one, else the last) rejected. */
  rejected: number;
  crawl: CrawlStatus | null;
}

/** A crawl in progress: its run's pages against the last successful run's. */
export interface CrawlStatus {
  runId: string;
  startedAt: Date;
  pages: number;
  expectedPages: number | null;
  /** 0–100, capped at 99 until the run ends (a service can grow); null without a successful run to compare. */
  percent: number | null;
  usersSeen: number;
  usersPerSecond: number;
  etaSeconds: number | null;
  throttled: number;
}

/** The status of one service, from the API's own rows: its ServiceStatusDto and its last successful run. */
export function serviceStatus(s: ServiceStatusDto, lastSucceeded: SyncRunDto | null, now: number, staleAfterSeconds: number): ServiceStatus {
  const lastSuccessAt = s.last_success_at ? new Date(s.last_success_at) : null;
  const ageSeconds = lastSuccessAt ? Math.max(0, Math.round((now - lastSuccessAt.getTime()) / 1000)) : null;
  const latest = s.current_run ?? s.last_run;
  return {
    sid: s.sid,
    friendlyName: s.friendly_name,
    accountSid: s.account_sid,
    enabled: s.enabled,
    removed: s.removed_at !== null,
    users: s.user_count,
    lastSuccessAt,
    ageSeconds,
    stale: s.enabled && s.removed_at === null && ageSeconds !== null && ageSeconds > staleAfterSeconds,
    lastRunStatus: s.last_run?.status ?? null,
    rejected: latest?.rejected ?? 0,
    crawl: s.current_run ? crawlStatus(s.current_run, lastSucceeded?.pages ?? null, now) : null,
  };
}

function crawlStatus(run: SyncRunDto, expectedPages: number | null, now: number): CrawlStatus {
  const startedAt = new Date(run.started_at);
  const seconds = Math.max((now - startedAt.getTime()) / 1000, 0.001);
  const measurable = expectedPages !== null && expectedPages > 0;
  const left = measurable ? expectedPages - run.pages : null;
  return {
    runId: run.id,
    startedAt,
    pages: run.pages,
    expectedPages,
    percent: measurable ? Math.min(99, Math.floor((run.pages / expectedPages) * 100)) : null,
    usersSeen: run.users_seen,
    usersPerSecond: Math.round((run.users_seen / seconds) * 10) / 10,
    etaSeconds: left !== null && left > 0 && run.pages > 0 ? Math.round((left * seconds) / run.pages) : null,
    throttled: run.throttled,
  };
}

/** Twice the longest gap between SYNC_CRON's next firings: a service not crawled successfully for that long is stale. */
export function staleAfterSeconds(cron: string, from = new Date()): number {
  const next = new CronTime(cron).getNextDateFrom(from);
  let longest = 0;
  let at = next;
  for (let i = 0; i < 4; i++) {
    const following = new CronTime(cron).getNextDateFrom(at.toJSDate());
    longest = Math.max(longest, following.toMillis() - at.toMillis());
    at = following;
  }
  return Math.round((2 * longest) / 1000);
}
