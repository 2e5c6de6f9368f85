import { APP_CONFIG, AppConfig, TwilioAccountAuth } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { MirrorMetrics } from '@app/metrics';
import { RecentThrottles, REQUEST_LIMITER } from '@app/rate-limit';
import { RequestLimiter, TwilioClient } from '@app/twilio';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { Logger } from 'pino';

/** One keep-alive Twilio client per configured account, all drawing on the shared per-account budget. */
@Injectable()
export class TwilioAccounts implements OnApplicationShutdown {
  private readonly clients = new Map<string, TwilioClient>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    @Inject(REQUEST_LIMITER) limiter: RequestLimiter,
    metrics: MirrorMetrics,
    throttles: RecentThrottles,
  ) {
    const log = logger.child({ component: 'twilio-client' });
    for (const auth of config.twilio.accounts) {
      this.clients.set(
        auth.accountSid,
        new TwilioClient({
          baseUrl: config.twilio.baseUrl,
          auth: auth as TwilioAccountAuth,
          timeoutMs: config.twilio.timeoutMs,
          limiter,
          logger: log.child({ accountSid: auth.accountSid }),
          // Checked when a user is written (toIncomingUser): an unchanged user's attributes are never parsed.
          checkAttributesJson: false,
          // Every HTTP attempt, once: the metrics, and each 429 in the shared recent count the status page shows.
          onRequest: (e) => {
            metrics.upstreamRequest(e);
            if (e.status === 429) throttles.record(e.accountSid);
          },
        }),
      );
    }
  }

  accountSids(): string[] {
    return [...this.clients.keys()];
  }

  client(accountSid: string): TwilioClient {
    const client = this.clients.get(accountSid);
    // A job for an account this process has no credentials for cannot succeed on any retry.
    if (!client) throw new UnrecoverableError(`account ${accountSid} is not configured`);
    return client;
  }

  get pageSize(): number {
    return this.config.twilio.pageSize;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }
}
