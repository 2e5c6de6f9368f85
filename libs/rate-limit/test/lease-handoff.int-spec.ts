import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { BudgetOptions, RedisRequestLimiter } from '@app/rate-limit';
import { REDIS_URL, testRedisPrefix } from '../../../test/support/test-redis';

type Script = 'budgetAcquire' | 'budgetRelease' | 'budgetRenew';

/** Records every budget script call on a connection (by its leases key) and its reply, without changing it. */
function recordScripts(redis: Redis) {
  const calls: Array<{ script: Script; key: string; reply: Promise<unknown> }> = [];
  const r = redis as unknown as Record<Script, (...args: unknown[]) => Promise<unknown>>;
  for (const script of ['budgetAcquire', 'budgetRelease', 'budgetRenew'] as const) {
    const original = r[script].bind(redis);
    r[script] = (...args) => {
      const reply = original(...args);
      calls.push({ script, key: String(args[0]), reply });
      return reply;
    };
  }
  const of = (script: Script, account: string) => calls.filter((c) => c.script === script && c.key.includes(`:${account}:`));
  return {
    count: (script: Script, account: string) => of(script, account).length,
    /** Lets the fire-and-forget writes (and what the limiter does with their replies) finish. */
    settled: async (account: string) => {
      await Promise.allSettled(calls.filter((c) => c.key.includes(`:${account}:`)).map((c) => c.reply));
      await new Promise((r) => setImmediate(r));
    },
  };
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('RedisRequestLimiter lease handoff', () => {
  const keys = testRedisPrefix('handoff');
  let redisA: Redis;
  let redisB: Redis;
  let a: ReturnType<typeof recordScripts>;
  let b: ReturnType<typeof recordScripts>;
  const limiters: RedisRequestLimiter[] = [];

  const base: BudgetOptions = { prefix: keys.prefix, initial: 1, max: 10, leaseTtlMs: 10_000 };
  function limiter(redis: Redis, options: Partial<BudgetOptions> = {}): RedisRequestLimiter {
    const l = new RedisRequestLimiter(redis, { ...base, ...options });
    limiters.push(l);
    return l;
  }
  const account = () => `AC${randomBytes(8).toString('hex')}`;
  const leasesKey = (acc: string) => `${keys.prefix}:budget:${acc}:leases`;

  beforeAll(() => {
    redisA = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    redisB = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    // Define the scripts on both connections, then record their calls.
    limiter(redisA);
    limiter(redisB);
    a = recordScripts(redisA);
    b = recordScripts(redisB);
  });
  afterAll(async () => {
    await Promise.all(limiters.map((l) => l.close()));
    await keys.cleanup();
    redisA.disconnect();
    redisB.disconnect();
  });

  it('hands a lease from one request to the next without ACQUIRE, records the successes, and gives it back after the park window', async () => {
    const acc = account();
    const l = limiter(redisA, { initial: 2, max: 100, parkMs: 300 });
    const first = await l.acquire(acc);
    const limitBefore = (await l.state(acc)).limit;
    first.release('ok');
    for (let i = 0; i < 10; i++) {
      const lease = await l.acquire(acc);
      expect(await redisA.zcard(leasesKey(acc))).toBe(1);
      lease.release('ok');
    }
    expect(a.count('budgetAcquire', acc)).toBe(1);
    expect(a.count('budgetRenew', acc)).toBe(10);
    expect(a.count('budgetRelease', acc)).toBe(0);
    await a.settled(acc);
    const parked = await l.state(acc);
    expect(parked.inFlight).toBe(1); // the parked lease is still held in Redis
    expect(parked.limit).toBe(limitBefore + 10); // ten successes of a slow start (one each), recorded by RENEW

    await waitUntil(async () => (await redisA.zcard(leasesKey(acc))) === 0, 'the park window to pass');
    expect(a.count('budgetRelease', acc)).toBe(1);
    await a.settled(acc);
    expect((await l.state(acc)).limit).toBeGreaterThan(parked.limit); // the last success, recorded by RELEASE
  });

  it('hands a released lease straight to a waiting request of the process; an aborted waiter just leaves', async () => {
    const acc = account();
    const l = limiter(redisA, { pollMs: 60_000 }); // no polling: only a handoff can serve the waiter
    const held = await l.acquire(acc);
    const aborted = new AbortController();
    const gaveUp = l.acquire(acc, aborted.signal);
    const waiting = l.acquire(acc);
    await waitUntil(async () => a.count('budgetAcquire', acc) === 3, 'both refused');
    await a.settled(acc);
    aborted.abort(new Error('not any more'));
    await expect(gaveUp).rejects.toThrow('not any more');

    held.release('ok');
    const handed = await waiting;
    expect(a.count('budgetAcquire', acc)).toBe(3); // none for the handed-over lease
    expect(a.count('budgetRenew', acc)).toBe(1);
    expect(await redisA.zcard(leasesKey(acc))).toBe(1);
    handed.release('ok');
    await l.close(); // gives the parked lease back
    expect(await redisA.zcard(leasesKey(acc))).toBe(0);
  });

  it('after maxHandoffs handoffs in a row the lease really goes back to Redis', async () => {
    const acc = account();
    const l = limiter(redisA, { maxHandoffs: 3, parkMs: 300 });
    for (let i = 0; i < 5; i++) (await l.acquire(acc)).release('ok');
    // ACQUIRE, 3 handoffs, RELEASE, ACQUIRE.
    expect(a.count('budgetAcquire', acc)).toBe(2);
    expect(a.count('budgetRenew', acc)).toBe(3);
    expect(a.count('budgetRelease', acc)).toBe(1);
  });

  it("a 'throttled' release is never handed off: RELEASE lowers the limit to below the concurrency refused", async () => {
    const acc = account();
    const l = limiter(redisA, { initial: 4, parkMs: 300 });
    const leases = await Promise.all([1, 2, 3, 4].map(() => l.acquire(acc)));
    leases[3].release('throttled'); // the fourth request at once was refused
    expect(a.count('budgetRelease', acc)).toBe(1);
    await a.settled(acc);
    expect(await l.state(acc)).toEqual({ limit: 3, inFlight: 3 });
    for (const lease of leases.slice(0, 3)) lease.release('ok');
    await a.settled(acc);
    expect(a.count('budgetAcquire', acc)).toBe(4);
  });

  it('a budget with no history doubles per round until its first 429, then grows by about `increase` per round', async () => {
    const acc = account();
    const l = limiter(redisA, { initial: 2, max: 64, parkMs: 0, increase: 1 });
    const round = async () => {
      const { limit } = await l.state(acc);
      const leases = await Promise.all(Array.from({ length: Math.floor(limit) }, () => l.acquire(acc)));
      for (const lease of leases) lease.release('ok');
      await a.settled(acc);
      return (await l.state(acc)).limit;
    };
    expect([await round(), await round(), await round()]).toEqual([4, 8, 16]);
    const leases = await Promise.all(Array.from({ length: 16 }, () => l.acquire(acc)));
    leases[15].release('throttled'); // Twilio refused the 16th at once
    for (const lease of leases.slice(0, 15)) lease.release('ok');
    await a.settled(acc);
    const after = (await l.state(acc)).limit;
    expect(after).toBeGreaterThanOrEqual(15);
    expect(after).toBeLessThan(16); // held below the refused level, no longer doubling
  });

  it('a budget unused for idleResetMs is forgotten and starts over', async () => {
    const acc = account();
    const l = limiter(redisA, { initial: 2, max: 64, parkMs: 0, idleResetMs: 200 });
    (await l.acquire(acc)).release('ok');
    await a.settled(acc);
    expect((await l.state(acc)).limit).toBe(3);
    await waitUntil(async () => (await redisA.exists(`${keys.prefix}:budget:${acc}:state`)) === 0, 'the idle budget to expire');
    expect((await l.state(acc)).limit).toBe(2);
  });

  it('after a 429 the limit stays below the refused level for the hold, then probes it again', async () => {
    const acc = account();
    // increase 2 and parking off: every success adds 2 / limit, and each request is its own ACQUIRE/RELEASE.
    const l = limiter(redisA, { initial: 3, max: 10, increase: 2, parkMs: 0, probeHoldMs: 400 });
    const leases = await Promise.all([l.acquire(acc), l.acquire(acc), l.acquire(acc)]);
    leases[2].release('throttled'); // the third request in flight was refused: level 3
    leases[1].release('ok');
    leases[2].release('ok');
    await a.settled(acc);
    for (let i = 0; i < 10; i++) {
      (await l.acquire(acc)).release('ok');
      await a.settled(acc);
    }
    const held = (await l.state(acc)).limit;
    expect(held).toBeLessThan(3);
    expect(held).toBeGreaterThan(2.9); // it climbed as far as the hold allows
    await sleep(450);
    for (let i = 0; i < 3; i++) {
      (await l.acquire(acc)).release('ok');
      await a.settled(acc);
    }
    expect((await l.state(acc)).limit).toBeGreaterThan(3);
  });

  it('a limit lowered by another process stops further handoffs', async () => {
    const acc = account();
    const mine = limiter(redisA, { initial: 8, max: 8, parkMs: 300 });
    const other = limiter(redisB, { initial: 8, max: 8, parkMs: 0 });
    const held = await mine.acquire(acc);
    const theirs = await Promise.all(Array.from({ length: 7 }, () => other.acquire(acc)));
    theirs[5].release('throttled'); // the 7th lease out was refused: 8 → 6 while 7 leases are out
    await b.settled(acc);
    expect(await mine.state(acc)).toEqual({ limit: 6, inFlight: 7 });

    held.release('ok');
    const next = await mine.acquire(acc); // handed off: RENEW finds 7 leases against a limit of 6
    expect(a.count('budgetAcquire', acc)).toBe(1);
    await a.settled(acc);
    for (const t of theirs.slice(1)) t.release('ok');
    await b.settled(acc);

    next.release('ok');
    expect(a.count('budgetRelease', acc)).toBe(1); // back to Redis, not parked
    (await mine.acquire(acc)).release('ok');
    expect(a.count('budgetAcquire', acc)).toBe(2);
  });

  it('two processes at limit 1, both busy: each gets turns and never more than one lease is out', async () => {
    const acc = account();
    const one = { initial: 1, max: 1, maxHandoffs: 4 };
    const processes = [limiter(redisA, one), limiter(redisB, one)];
    let holding = 0;
    let maxHolding = 0;
    const done = [0, 0];
    const until = Date.now() + 1500;
    await Promise.all(
      processes.map(async (l, i) => {
        while (Date.now() < until) {
          const lease = await l.acquire(acc);
          maxHolding = Math.max(maxHolding, ++holding);
          await sleep(1); // the request
          holding--;
          lease.release('ok');
          done[i]++;
          await sleep(1); // the page's processing, shorter than the park window
        }
      }),
    );
    expect(maxHolding).toBe(1);
    expect(done[0]).toBeGreaterThan(5);
    expect(done[1]).toBeGreaterThan(5);
  });
});
