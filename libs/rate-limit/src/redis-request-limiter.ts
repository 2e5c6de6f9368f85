import { randomUUID } from 'node:crypto';
import type { RequestLease, RequestLimiter } from '@app/twilio';
import Redis from 'ioredis';
import { ACQUIRE, RELEASE } from './account-budget.script';

export interface BudgetOptions {
  /** Key prefix; keep the Redis Cluster hash tag so both keys of an account share a slot. */
  prefix: string;
  initial: number;
  max: number;
  min?: number;
  /** Additive increase: the limit grows by increase/limit per successful request (about `increase` per round). */
  increase?: number;
  /** Multiplicative decrease on 429. */
  decrease?: number;
  /** A lease lapses after this long, so a crashed process cannot hold the budget. */
  leaseTtlMs: number;
  /** Fallback re-check while waiting; releases in this process wake waiters at once. */
  pollMs?: number;
}

type BudgetRedis = Redis & {
  budgetAcquire(leases: string, state: string, leaseId: string, ttl: number, initial: number, max: number): Promise<[number, number, number, number]>;
  budgetRelease(leases: string, state: string, leaseId: string, outcome: string, acquiredAt: number, inc: number, dec: number, max: number, min: number): Promise<number>;
};

export interface BudgetState {
  limit: number;
  inFlight: number;
}

/** The per-account concurrency budget shared by every worker process (see account-budget.script.ts). */
export class RedisRequestLimiter implements RequestLimiter {
  private readonly redis: BudgetRedis;
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly o: Required<BudgetOptions>;

  constructor(redis: Redis, options: BudgetOptions) {
    this.o = { min: 1, increase: 0.05, decrease: 0.75, pollMs: 15, ...options };
    this.redis = redis as BudgetRedis;
    if (!this.redis.budgetAcquire) {
      this.redis.defineCommand('budgetAcquire', { numberOfKeys: 2, lua: ACQUIRE });
      this.redis.defineCommand('budgetRelease', { numberOfKeys: 2, lua: RELEASE });
    }
  }

  async acquire(accountSid: string, signal?: AbortSignal): Promise<RequestLease> {
    const [leases, state] = this.keys(accountSid);
    for (;;) {
      signal?.throwIfAborted();
      const leaseId = randomUUID();
      const [granted, , , now] = await this.redis.budgetAcquire(leases, state, leaseId, this.o.leaseTtlMs, this.o.initial, this.o.max);
      if (granted === 1) return this.lease(accountSid, leaseId, Number(now));
      await this.waitForRelease(accountSid, signal);
    }
  }

  async state(accountSid: string): Promise<BudgetState> {
    const [leases, state] = this.keys(accountSid);
    const [limit, inFlight] = await Promise.all([this.redis.hget(state, 'limit'), this.redis.zcard(leases)]);
    return { limit: limit === null ? this.o.initial : Number(limit), inFlight };
  }

  private lease(accountSid: string, leaseId: string, acquiredAt: number): RequestLease {
    let released = false;
    return {
      release: (outcome) => {
        if (released) return;
        released = true;
        const [leases, state] = this.keys(accountSid);
        // 'failed' (network error) says nothing about the upstream's limit: free the slot, leave the limit.
        this.redis
          .budgetRelease(leases, state, leaseId, outcome, acquiredAt, this.o.increase, this.o.decrease, this.o.max, this.o.min)
          .catch(() => undefined) // the lease lapses by itself after leaseTtlMs
          .finally(() => this.wake(accountSid));
      },
    };
  }

  private waitForRelease(accountSid: string, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      let set = this.waiters.get(accountSid);
      if (!set) this.waiters.set(accountSid, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        set!.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        done();
        reject(signal!.reason);
      };
      // Other processes' releases are only seen by polling; jitter keeps waiters from polling in lockstep.
      const timer = setTimeout(done, this.o.pollMs * (0.5 + Math.random()));
      set.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private wake(accountSid: string): void {
    const set = this.waiters.get(accountSid);
    if (!set) return;
    for (const w of [...set]) w();
  }

  private keys(accountSid: string): [string, string] {
    const base = `${this.o.prefix}:budget:${accountSid}`;
    return [`${base}:leases`, `${base}:state`];
  }
}
