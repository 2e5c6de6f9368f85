import { APP_CONFIG, AppConfig } from '@app/config';
import { MirrorStateRepository } from '@app/metrics';
import { CrawlQueue } from '@app/queue';
import { RecentThrottles, REQUEST_LIMITER, RedisRequestLimiter } from '@app/rate-limit';
import { Inject, Injectable } from '@nestjs/common';
import { withDeadline } from '../common/deadline';
import { ServiceStatusDto } from '../services/service-status.dto';
import { ServicesReadRepository } from '../services/services.repository';
import { SyncRunsReadRepository } from '../services/sync-runs.repository';
import { AccountStatus, serviceStatus, staleAfterSeconds, StatusSnapshot } from './status-snapshot';

/** How often the page reloads itself. */
export const STATUS_REFRESH_SECONDS = 5;
/** The window of an account's recent 429s. */
export const THROTTLE_WINDOW_MINUTES = 5;
/** The page lists this many services at most. */
const MAX_SERVICES = 500;
const PAGE = 100;
/** Redis or the queue not answering must not hang the page: what they feed shows as unknown. */
const SOURCE_DEADLINE_MS = 2000;

/**
 * The status page's numbers. Services and runs come from the read API's own queries (GET /v1/services and the
 * runs of /v1/services/{IS}/sync-runs), so the page and the API agree; the budget, the recent 429s and the queue
 * from Redis, the outbox from Postgres.
 */
@Injectable()
export class StatusService {
  private readonly staleAfterSeconds: number;

  constructor(
    private readonly services: ServicesReadRepository,
    private readonly runs: SyncRunsReadRepository,
    private readonly state: MirrorStateRepository,
    private readonly crawls: CrawlQueue,
    private readonly throttles: RecentThrottles,
    @Inject(REQUEST_LIMITER) private readonly limiter: RedisRequestLimiter,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.staleAfterSeconds = staleAfterSeconds(config.sync.cron);
  }

  async snapshot(): Promise<StatusSnapshot> {
    const [{ rows, truncated }, outbox, queue, knownAccounts] = await Promise.all([
      this.allServices(),
      this.optional(this.state.outboxBacklog()),
      this.optional(this.crawls.queue.getJobCounts('waiting', 'active', 'delayed', 'failed')),
      this.state.accountSids(),
    ]);
    const lastSucceeded = new Map((await this.runs.lastSucceeded(rows.map((s) => s.sid))).map((r) => [r.service_sid, r]));
    const now = Date.now();
    return {
      generatedAt: new Date(now),
      refreshSeconds: STATUS_REFRESH_SECONDS,
      services: rows.map((s) => serviceStatus(s, lastSucceeded.get(s.sid) ?? null, now, this.staleAfterSeconds)),
      truncated,
      accounts: await this.accounts(rows, knownAccounts),
      outbox,
      queue,
      staleAfterSeconds: this.staleAfterSeconds,
    };
  }

  private async allServices(): Promise<{ rows: ServiceStatusDto[]; truncated: boolean }> {
    const rows: ServiceStatusDto[] = [];
    for (;;) {
      // Every service: the page takes full-scope tokens only (the token check refuses the others).
      const page = await this.services.list(rows.length ? rows[rows.length - 1].sid : null, PAGE, { all: true });
      rows.push(...page);
      if (page.length < PAGE) return { rows, truncated: false };
      if (rows.length >= MAX_SERVICES) return { rows, truncated: true };
    }
  }

  /** Each account's health (as the services report it), budget and recent 429s. */
  private accounts(services: ServiceStatusDto[], known: string[]): Promise<AccountStatus[]> {
    const health = new Map(services.map((s) => [s.account_sid, s.account]));
    const sids = [...new Set([...known, ...health.keys()])].sort();
    return Promise.all(
      sids.map(async (sid) => {
        const [budget, throttledRecently] = await Promise.all([
          this.optional(this.limiter.state(sid)),
          this.optional(this.throttles.count(sid, THROTTLE_WINDOW_MINUTES)),
        ]);
        const h = health.get(sid);
        return { sid, health: h?.status ?? 'unknown', lastError: h?.last_error ?? null, budget, throttledRecently };
      }),
    );
  }

  private optional<T>(p: Promise<T>): Promise<T | null> {
    return withDeadline(p, SOURCE_DEADLINE_MS, () => new Error('no answer')).catch(() => null);
  }
}
