import { APP_CONFIG, AppConfig, ConfiguredService } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { CrawlQueue, CrawlTrigger } from '@app/queue';
import { ServicesRepository, TwilioAccounts } from '@app/accounts';
import { describeError, TwilioAuthError } from '@app/twilio';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { Logger } from 'pino';

export interface TickResult {
  enqueued: string[];
  alreadyQueued: string[];
  /** Discovery failed on a transient fault: worth another try. */
  failedAccounts: string[];
  /** Credentials refused (401/403): marked unhealthy, not retried until the next tick. */
  unhealthyAccounts: string[];
}

/**
 * The scheduler role: on SYNC_CRON (and once at start), enqueues one crawl job per service. Services come
 * from TWILIO_SERVICE_SIDS or, when that is empty, from GET /v1/Services of each account. Enqueueing is
 * idempotent per service, so any number of schedulers can run.
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap {
  private readonly log: Logger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly registry: SchedulerRegistry,
    private readonly accounts: TwilioAccounts,
    private readonly services: ServicesRepository,
    private readonly queue: CrawlQueue,
  ) {
    this.log = logger.child({ component: 'scheduler' });
  }

  onApplicationBootstrap(): void {
    const job = CronJob.from({ cronTime: this.config.sync.cron, onTick: () => void this.safeTick('schedule'), start: true });
    this.registry.addCronJob('sync', job);
    this.log.info({ cron: this.config.sync.cron, onStart: this.config.sync.onStart }, 'scheduler started');
    if (this.config.sync.onStart) void this.startTick();
  }

  /**
   * The start-up tick retries accounts whose discovery failed on a transient fault (the upstream may start
   * after us, as in docker compose), so the first crawl does not wait for the next cron tick.
   */
  private async startTick(): Promise<void> {
    for (let attempt = 0; attempt < 6; attempt++) {
      const result = await this.safeTick('start');
      if (result && result.failedAccounts.length === 0) return;
      await new Promise((r) => setTimeout(r, 1000 * 2 ** attempt));
    }
  }

  async tick(trigger: CrawlTrigger): Promise<TickResult> {
    const result: TickResult = { enqueued: [], alreadyQueued: [], failedAccounts: [], unhealthyAccounts: [] };
    const disabled = await this.services.disabledServiceSids();
    for (const accountSid of this.accounts.accountSids()) {
      let services: ConfiguredService[];
      try {
        services = await this.servicesOf(accountSid);
      } catch (e) {
        // Credentials refused will not fix themselves by retrying; anything else might.
        if (e instanceof TwilioAuthError) {
          result.unhealthyAccounts.push(accountSid);
          await this.services.markAccount(accountSid, 'unhealthy', describeError(e));
        } else {
          result.failedAccounts.push(accountSid);
        }
        this.log.error({ accountSid, error: describeError(e) }, 'service discovery failed; other accounts go on');
        continue;
      }
      for (const s of services) {
        if (disabled.has(s.serviceSid)) continue;
        const { jobId, added } = await this.queue.enqueue(s.accountSid, s.serviceSid, trigger);
        (added ? result.enqueued : result.alreadyQueued).push(s.serviceSid);
        this.log.debug({ serviceSid: s.serviceSid, jobId, added }, added ? 'crawl enqueued' : 'crawl already queued');
      }
    }
    this.log.info({ trigger, enqueued: result.enqueued.length, alreadyQueued: result.alreadyQueued.length, failedAccounts: result.failedAccounts, unhealthyAccounts: result.unhealthyAccounts }, 'sync tick');
    return result;
  }

  private async safeTick(trigger: CrawlTrigger): Promise<TickResult | null> {
    try {
      return await this.tick(trigger);
    } catch (e) {
      this.log.error({ err: e }, 'sync tick failed');
      return null;
    }
  }

  private async servicesOf(accountSid: string): Promise<ConfiguredService[]> {
    const configured = this.config.twilio.services.filter((s) => s.accountSid === accountSid);
    if (this.config.twilio.services.length) {
      await this.services.upsertDiscovered(accountSid, configured.map((s) => ({ sid: s.serviceSid, friendlyName: null })));
      return configured;
    }
    const found: { sid: string; friendlyName: string | null }[] = [];
    for await (const s of this.accounts.client(accountSid).listServices()) found.push({ sid: s.sid, friendlyName: s.friendly_name });
    await this.services.upsertDiscovered(accountSid, found);
    await this.services.markUnlisted(accountSid, found.map((s) => s.sid));
    return found.map((s) => ({ accountSid, serviceSid: s.sid }));
  }
}
