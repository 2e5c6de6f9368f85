import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { BudgetState, REQUEST_LIMITER, RedisRequestLimiter } from '@app/rate-limit';
import { Inject, Injectable } from '@nestjs/common';
import { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { METRIC_PREFIX, MirrorMetrics } from '../mirror-metrics';
import { MirrorStateRepository } from './mirror-state.repository';
import { ScrapeReading } from './scrape-reading';

/** The shared per-account request budget (libs/rate-limit), read from Redis at scrape time. */
@Injectable()
export class BudgetGauges {
  constructor(
    metrics: MirrorMetrics,
    state: MirrorStateRepository,
    @Inject(REQUEST_LIMITER) limiter: RedisRequestLimiter,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    const configured = config.twilio.accounts.map((a) => a.accountSid);
    const reading = new ScrapeReading<[string, BudgetState][]>(
      'redis',
      async () => {
        const sids = [...new Set([...configured, ...(await state.accountSids())])];
        return Promise.all(sids.map(async (sid): Promise<[string, BudgetState]> => [sid, await limiter.state(sid)]));
      },
      metrics,
      logger.child({ component: 'metrics' }),
    );
    new Gauge({
      name: `${METRIC_PREFIX}budget_limit`,
      help: "The account's adaptive limit of requests in flight to Twilio, shared by every worker (AIMD on 429s)",
      labelNames: ['account_sid'] as const,
      registers: [metrics.registry],
      async collect() {
        const budgets = await reading.get();
        this.reset();
        for (const [sid, b] of budgets ?? []) this.set({ account_sid: sid }, b.limit);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}budget_in_flight`,
      help: "Leases of the account's budget held now: requests in flight to Twilio across every worker",
      labelNames: ['account_sid'] as const,
      registers: [metrics.registry],
      async collect() {
        const budgets = await reading.get();
        this.reset();
        for (const [sid, b] of budgets ?? []) this.set({ account_sid: sid }, b.inFlight);
      },
    });
  }
}
