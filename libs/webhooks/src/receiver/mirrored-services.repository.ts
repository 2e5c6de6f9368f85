import { APP_CONFIG, AppConfig } from '@app/config';
import { PgConnections } from '@app/database';
import { ROOT_LOGGER } from '@app/logger';
import { Inject, Injectable } from '@nestjs/common';
import { Logger } from 'pino';
import { withDeadline } from './deadline';

/** How long the services table read is trusted; a service not in it is looked for again after MISS_REFRESH_MS. */
const REFRESH_MS = 10_000;
const MISS_REFRESH_MS = 1_000;
const READ_DEADLINE_MS = 1_000;

interface KnownService {
  accountSid: string;
  /** Enabled and not removed upstream. */
  active: boolean;
}

/**
 * Whether a hook's service is one the mirror follows, answered from memory: the services table (a row per service
 * the scheduler found or a crawl ran) read at most every few seconds, so a burst of hooks costs no query each.
 * With TWILIO_SERVICE_SIDS, a configured service is followed unless it is disabled or removed; without, a service
 * is followed once discovery has recorded it, enabled, under the same account.
 */
@Injectable()
export class MirroredServices {
  private known: Map<string, KnownService> | null = null;
  private readAt = 0;
  private reading: Promise<void> | null = null;
  private readonly configured: Set<string> | null;
  private readonly log: Logger;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly pg: PgConnections,
  ) {
    this.log = logger.child({ component: 'webhook-receiver' });
    this.configured = config.twilio.services.length ? new Set(config.twilio.services.map((s) => `${s.accountSid}/${s.serviceSid}`)) : null;
  }

  /** Throws when the table cannot be read and nothing was read before (the hook is then not recorded). */
  async isMirrored(accountSid: string, serviceSid: string): Promise<boolean> {
    if (this.configured && !this.configured.has(`${accountSid}/${serviceSid}`)) return false;
    const age = Date.now() - this.readAt;
    if (this.known === null || age > REFRESH_MS || (!this.known.has(serviceSid) && age > MISS_REFRESH_MS)) await this.refresh();
    const row = this.known!.get(serviceSid);
    if (this.configured) return row === undefined || (row.active && row.accountSid === accountSid);
    return row !== undefined && row.active && row.accountSid === accountSid;
  }

  private refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => (this.reading = null));
    return this.reading;
  }

  private async read(): Promise<void> {
    try {
      const rows = await withDeadline(
        this.pg.rows<{ sid: string; account_sid: string; active: boolean }>('SELECT sid, account_sid, enabled AND removed_at IS NULL AS active FROM services'),
        READ_DEADLINE_MS,
        'Postgres (the services table)',
      );
      this.known = new Map(rows.map((r) => [r.sid, { accountSid: r.account_sid, active: r.active }]));
      this.readAt = Date.now();
    } catch (e) {
      if (this.known === null) throw e;
      // What was read before still holds; try again on the next miss or after REFRESH_MS.
      this.readAt = Date.now() - REFRESH_MS + MISS_REFRESH_MS;
      this.log.warn({ error: (e as Error).message }, 'services table not read; webhooks are checked against the last read');
    }
  }
}
