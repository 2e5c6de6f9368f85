import { APP_CONFIG, AppConfig } from '@app/config';
import { RedisConnections } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';

const MINUTE_MS = 60_000;
/** How long a minute's count is kept: longer than any window asked for. */
const KEEP_S = 15 * 60;

/**
 * 429s per account and minute, shared by every worker process in Redis (one counter per minute, expiring), so that
 * the status page of an api process can show an account's recent 429s though the api makes no upstream request.
 * Prometheus has the same as twilio_mirror_upstream_requests_total{status="429"}, per process.
 */
@Injectable()
export class RecentThrottles {
  private readonly prefix: string;

  constructor(
    private readonly redis: RedisConnections,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.prefix = `${config.queuePrefix}:throttles`;
  }

  /** Counts one 429 in the current minute. Never waits and never throws: a lost count only shows on a page. */
  record(accountSid: string, now = Date.now()): void {
    const key = this.key(accountSid, Math.floor(now / MINUTE_MS));
    this.redis.commands
      .multi()
      .incr(key)
      .expire(key, KEEP_S)
      .exec()
      .catch(() => undefined);
  }

  /** 429s of the account in the last `minutes` minutes, the current one included. */
  async count(accountSid: string, minutes: number, now = Date.now()): Promise<number> {
    const current = Math.floor(now / MINUTE_MS);
    const keys = Array.from({ length: minutes }, (_, i) => this.key(accountSid, current - i));
    const values = await this.redis.commands.mget(...keys);
    return values.reduce((sum, v) => sum + (v === null ? 0 : Number(v)), 0);
  }

  private key(accountSid: string, minute: number): string {
    return `${this.prefix}:${accountSid}:${minute}`;
  }
}
