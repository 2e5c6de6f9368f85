import { APP_CONFIG, AppConfig } from '@app/config';
import { PgConnections } from '@app/database';
import { Inject, Injectable } from '@nestjs/common';

/** Services the cache holds at most; far more than a deployment mirrors, so it only bounds a pathological case. */
const MAX_CACHED = 100_000;

/**
 * The account each service belongs to, as the mirror knows it: the `services` row (written by discovery and by
 * finished runs), else a run, else a stored user, else TWILIO_SERVICE_SIDS. A service never moves to another
 * account, so an answer is cached for the life of the process; unknown services are not (they may appear).
 */
@Injectable()
export class ServiceAccountsRepository {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly db: PgConnections,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async accountOf(serviceSid: string): Promise<string | null> {
    const cached = this.cache.get(serviceSid);
    if (cached !== undefined) return cached;
    const rows = await this.db.rows<{ account_sid: string }>(
      `(SELECT account_sid FROM services WHERE sid = $1)
       UNION ALL (SELECT account_sid FROM sync_runs WHERE service_sid = $1 LIMIT 1)
       UNION ALL (SELECT account_sid FROM users WHERE chat_service_sid = $1 AND account_sid IS NOT NULL LIMIT 1)
       LIMIT 1`,
      [serviceSid],
    );
    const account = rows[0]?.account_sid ?? this.config.twilio.services.find((s) => s.serviceSid === serviceSid)?.accountSid ?? null;
    if (account !== null && this.cache.size < MAX_CACHED) this.cache.set(serviceSid, account);
    return account;
  }
}
