import { APP_CONFIG, AppConfig } from '@app/config';
import { RedisConnections } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';

/** Fetches a user may have in a row before the pace applies: the hint's own, and one follow-up for hints during it. */
const BURST = 2;

/**
 * A token bucket per user in Redis (BURST tokens, one back per interval), on Redis's own clock so workers on other
 * hosts agree. Answers 0 (a token was taken: fetch now) or how many ms until one is back. Written as Lua because
 * take-or-tell-the-wait must be one atomic step across processes; rate-limiter-flexible's Redis limiters count
 * fixed windows, which would allow two fetches back to back in every window of a user whose hooks never stop.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local held = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(held[1])
local at = tonumber(held[2])
if tokens == nil or at == nil then
  tokens = burst
else
  tokens = math.min(burst, tokens + (now - at) / interval)
end
if tokens >= 1 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil(interval * burst))
  return 0
end
return math.ceil((1 - tokens) * interval)
`;

type PacingRedis = Redis & { userFetchTake(key: string, intervalMs: number, burst: number): Promise<number> };

/**
 * Paces the fetches of a user whose hooks keep coming. A user changed now and then is fetched at once; one changed
 * again while its fetch ran is fetched once more right after it (BullMQ keeps that one job); past that, one fetch per
 * WEBHOOK_HOT_USER_INTERVAL_MS, which reads whatever the hooks in between changed. So a burst of 1,000 hooks for a
 * user costs a handful of fetches, and its last state is read within about the interval.
 */
@Injectable()
export class UserFetchPacing {
  private readonly redis: PacingRedis;
  private readonly intervalMs: number;
  private readonly prefix: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig, redis: RedisConnections) {
    this.redis = redis.commands as PacingRedis;
    if (!this.redis.userFetchTake) this.redis.defineCommand('userFetchTake', { numberOfKeys: 1, lua: TAKE });
    this.intervalMs = config.webhooks.hotUserIntervalMs;
    this.prefix = config.queuePrefix;
  }

  /** 0: fetch now (a token was taken); otherwise how long to wait before asking again. */
  async take(serviceSid: string, user: string): Promise<number> {
    if (this.intervalMs === 0) return 0;
    return this.redis.userFetchTake(`${this.prefix}:webhooks:pace:${serviceSid}:${user}`, this.intervalMs, BURST);
  }
}
