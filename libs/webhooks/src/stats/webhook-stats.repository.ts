import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { MirrorMetrics } from '@app/metrics';
import { RedisConnections } from '@app/redis';
import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { Logger } from 'pino';
import { OTHER_ACCOUNTS, WEBHOOK_COUNTERS, WebhookCounter, WebhookCounts, zeroCounts } from './webhook-counters';

export interface AccountWebhookCounts {
  /** An account sid, or `other` for requests naming no configured account. */
  accountSid: string;
  counts: WebhookCounts;
}

/** Counts are gathered in memory and written this often: one Redis round trip per burst, not per hook. */
const FLUSH_MS = 200;

/**
 * The webhook counters (see webhook-counters.ts), shared by every process through Redis hashes under the queue
 * prefix, which `snapshot` reads for the read API; and this process's own, for Prometheus
 * (twilio_mirror_webhooks_total, which Prometheus sums over processes). Counting never holds up nor fails what is
 * counted: a count lost while Redis is away is only a count.
 */
@Injectable()
export class WebhookStats implements BeforeApplicationShutdown {
  private readonly log: Logger;
  private readonly accounts: string[];
  private pending = new Map<string, Map<string, number>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly redis: RedisConnections,
    private readonly metrics: MirrorMetrics,
  ) {
    this.log = logger.child({ component: 'webhook-stats' });
    this.accounts = config.twilio.accounts.map((a) => a.accountSid);
  }

  /** Adds to an account's counters (`null` or an account not configured here: the `other` bucket), within FLUSH_MS. */
  add(accountSid: string | null, counts: Partial<Record<WebhookCounter, number>>): void {
    const account = accountSid !== null && this.accounts.includes(accountSid) ? accountSid : OTHER_ACCOUNTS;
    this.metrics.webhooks(account, counts as Record<string, number>);
    const key = this.key(account);
    let held = this.pending.get(key);
    for (const [counter, n] of Object.entries(counts)) {
      if (!n) continue;
      if (!held) this.pending.set(key, (held = new Map()));
      held.set(counter, (held.get(counter) ?? 0) + n);
    }
    if (held && this.timer === null) this.timer = setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /** Every configured account's counters, and the `other` bucket. */
  async snapshot(): Promise<AccountWebhookCounts[]> {
    const names = [...this.accounts, OTHER_ACCOUNTS];
    const pipeline = this.redis.commands.pipeline();
    for (const name of names) pipeline.hgetall(this.key(name));
    const replies = (await pipeline.exec()) ?? [];
    return names.map((accountSid, i) => {
      const [error, fields] = replies[i] ?? [new Error('no reply'), null];
      if (error) throw error;
      const counts = zeroCounts();
      for (const c of WEBHOOK_COUNTERS) counts[c] = Number((fields as Record<string, string>)[c] ?? 0);
      return { accountSid, counts };
    });
  }

  /** Writes the counts gathered so far now (at shutdown; and for whoever must read them at once). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.size) return;
    const pending = this.pending;
    this.pending = new Map();
    const pipeline = this.redis.commands.pipeline();
    for (const [key, counts] of pending) for (const [counter, n] of counts) pipeline.hincrby(key, counter, n);
    await pipeline.exec().catch((e: Error) => this.log.debug({ error: e.message }, 'webhook counters not recorded'));
  }

  private key(name: string): string {
    return `${this.config.queuePrefix}:webhooks:${name}`;
  }
}
