import { RecentThrottles, RateLimitModule } from '@app/rate-limit';
import { RedisConnections } from '@app/redis';
import { IntModule, startIntModule } from '../../../test/support/int-module';

const AC = 'AC' + '1'.repeat(32);
const AC2 = 'AC' + '2'.repeat(32);
const MINUTE = 60_000;

/** An account's recent 429s, counted per minute in Redis by every worker and read by the status page. */
describe('RecentThrottles', () => {
  let t: IntModule;
  let throttles: RecentThrottles;

  beforeAll(async () => {
    t = await startIntModule('throttles', [RateLimitModule]);
    throttles = t.module.get(RecentThrottles);
  });
  afterAll(() => t.close());

  it('counts the 429s of the last minutes per account, and forgets them', async () => {
    const now = Math.floor(Date.now() / MINUTE) * MINUTE + 30_000;
    throttles.record(AC, now - 6 * MINUTE); // outside a 5-minute window
    throttles.record(AC, now - 4 * MINUTE);
    throttles.record(AC, now - MINUTE);
    throttles.record(AC, now);
    throttles.record(AC, now);
    throttles.record(AC2, now);
    // record() does not wait; the counts are in once the connection has sent them.
    const redis = t.module.get(RedisConnections).commands;
    await redis.ping();
    expect(await throttles.count(AC, 5, now)).toBe(4);
    expect(await throttles.count(AC, 1, now)).toBe(2);
    expect(await throttles.count(AC2, 5, now)).toBe(1);
    expect(await throttles.count('AC' + '3'.repeat(32), 5, now)).toBe(0);
    const keys = await redis.keys(`${t.config.queuePrefix}:throttles:${AC}:*`);
    expect(keys).toHaveLength(4);
    for (const k of keys) expect(await redis.ttl(k)).toBeGreaterThan(60);
  });
});
