import { randomUUID } from 'node:crypto';
import type { RequestLease, RequestLimiter } from '@app/twilio';
import Redis from 'ioredis';
import { ACQUIRE, RELEASE, RENEW } from './account-budget.script';

export interface BudgetOptions {
  /** Key prefix; keep the Redis Cluster hash tag so both keys of an account share a slot. */
  prefix: string;
  initial: number;
  max: number;
  min?: number;
  /** Additive increase, once the slow start is over: the limit grows by increase/limit per successful request (about `increase` per round). */
  increase?: number;
  /** Multiplicative decrease on a 429 whose lease's position is unknown (see account-budget.script.ts). */
  decrease?: number;
  /** After a 429, how long the limit stays below the level that was refused before probing it again. */
  probeHoldMs?: number;
  /** A lease lapses after this long, so a crashed process cannot hold the budget. */
  leaseTtlMs: number;
  /** Fallback re-check while waiting; releases in this process wake waiters at once. */
  pollMs?: number;
  /** How long a released lease waits in this process for the account's next request before going back to Redis. 0: not at all. */
  parkMs?: number;
  /** Handoffs of one lease in a row before it really goes back to Redis, so other processes get a turn. */
  maxHandoffs?: number;
  /** A budget unused this long is forgotten: it starts over with a slow start. */
  idleResetMs?: number;
}

type Outcome = 'ok' | 'throttled' | 'failed';

type BudgetRedis = Redis & {
  budgetAcquire(leases: string, state: string, leaseId: string, ttl: number, initial: number, max: number, idleResetMs: number): Promise<[number, number, number, number]>;
  budgetRelease(
    leases: string, state: string, leaseId: string, outcome: string, acquiredAt: number, inc: number, dec: number, max: number, min: number, holdMs: number, position: number,
  ): Promise<number>;
  budgetRenew(
    leases: string, state: string, leaseId: string, outcome: string, ttl: number, inc: number, max: number, holdMs: number, idleResetMs: number,
  ): Promise<[number, number, number, number]>;
};

export interface BudgetState {
  limit: number;
  inFlight: number;
}

/** One lease in Redis, possibly used by several requests of this process in turn. */
interface Slot {
  readonly accountSid: string;
  readonly leaseId: string;
  /** Redis time of the ACQUIRE and the local clock when it answered. */
  readonly grantedAt: number;
  readonly grantedLocal: number;
  /** Redis time the current holder got the lease: RELEASE counts a 429 only on a lease taken after the last decrease. */
  acquiredAt: number;
  /** Leases out when the current holder got it, this one included: the concurrency a 429 on it was refused at. */
  position: number;
  handoffs: number;
  /** Cleared when RENEW finds the lease lapsed or the account over a lowered limit: then it goes back to Redis. */
  reusable: boolean;
  /** The last finished request's, recorded by whichever of RENEW or RELEASE comes next. */
  outcome: Outcome;
  parkTimer?: NodeJS.Timeout;
}

/** Resolves a waiting acquire: with a lease handed over, or without one to ask Redis again. */
type Waiter = (slot?: Slot) => void;

/**
 * The per-account concurrency budget shared by every worker process (see account-budget.script.ts).
 *
 * A crawl's requests run one after another, so a lease released by one is usually wanted again at once by
 * the next. Rather than a RELEASE and an ACQUIRE on that critical path, a lease released 'ok' or 'failed'
 * goes to a waiting request of this process, or is parked for `parkMs` for the next one; RENEW records the
 * finished request and refreshes the lease off the path. A 429 always goes to Redis (it lowers the limit).
 */
export class RedisRequestLimiter implements RequestLimiter {
  private readonly redis: BudgetRedis;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly parked = new Map<string, Slot[]>();
  private readonly writes = new Set<Promise<unknown>>();
  private readonly o: Required<BudgetOptions>;
  private closed = false;

  constructor(redis: Redis, options: BudgetOptions) {
    this.o = { min: 1, increase: 0.05, decrease: 0.75, probeHoldMs: 5000, pollMs: 15, parkMs: 3, maxHandoffs: 16, idleResetMs: 3_600_000, ...options };
    this.redis = redis as BudgetRedis;
    if (!this.redis.budgetAcquire) {
      this.redis.defineCommand('budgetAcquire', { numberOfKeys: 2, lua: ACQUIRE });
      this.redis.defineCommand('budgetRelease', { numberOfKeys: 2, lua: RELEASE });
    }
    if (!this.redis.budgetRenew) this.redis.defineCommand('budgetRenew', { numberOfKeys: 2, lua: RENEW });
  }

  async acquire(accountSid: string, signal?: AbortSignal): Promise<RequestLease> {
    for (;;) {
      signal?.throwIfAborted();
      const parked = this.unpark(accountSid);
      if (parked) return this.lease(this.handOff(parked));
      const granted = await this.acquireInRedis(accountSid);
      if (granted) return this.lease(granted);
      if (this.parked.has(accountSid)) continue; // parked while ACQUIRE was on its way
      const handed = await this.waitForRelease(accountSid, signal);
      if (handed) return this.lease(handed);
    }
  }

  async state(accountSid: string): Promise<BudgetState> {
    const [leases, state] = this.keys(accountSid);
    const [limit, inFlight] = await Promise.all([this.redis.hget(state, 'limit'), this.redis.zcard(leases)]);
    return { limit: limit === null ? this.o.initial : Number(limit), inFlight };
  }

  /** Gives parked leases back to Redis and waits for the writes in progress; later releases go straight to Redis. */
  async close(): Promise<void> {
    this.closed = true;
    for (const accountSid of [...this.parked.keys()]) {
      for (let slot = this.unpark(accountSid); slot; slot = this.unpark(accountSid)) this.releaseInRedis(slot);
    }
    await Promise.allSettled([...this.writes]);
  }

  private async acquireInRedis(accountSid: string): Promise<Slot | null> {
    const [leases, state] = this.keys(accountSid);
    const leaseId = randomUUID();
    const [granted, position, , now] = await this.redis.budgetAcquire(leases, state, leaseId, this.o.leaseTtlMs, this.o.initial, this.o.max, this.o.idleResetMs);
    if (granted !== 1) return null;
    const at = Number(now);
    return { accountSid, leaseId, grantedAt: at, grantedLocal: performance.now(), acquiredAt: at, position, handoffs: 0, reusable: true, outcome: 'ok' };
  }

  private lease(slot: Slot): RequestLease {
    let released = false;
    return {
      release: (outcome) => {
        if (released) return;
        released = true;
        this.release(slot, outcome);
      },
    };
  }

  private release(slot: Slot, outcome: Outcome): void {
    slot.outcome = outcome;
    if (!this.canHandOff(slot)) return this.releaseInRedis(slot);
    const waiter = this.firstWaiter(slot.accountSid);
    if (!waiter) return this.park(slot);
    waiter(this.handOff(slot));
  }

  private canHandOff(slot: Slot): boolean {
    // A 429 must reach Redis to lower the limit; the handoff cap lets other processes' pollers in.
    return !this.closed && slot.outcome !== 'throttled' && slot.reusable && slot.handoffs < this.o.maxHandoffs;
  }

  /** The new holder starts now; Redis learns of it off the critical path. */
  private handOff(slot: Slot): Slot {
    slot.handoffs++;
    // Redis time from the time elapsed since ACQUIRE: asking Redis would cost the round trip we are saving.
    slot.acquiredAt = slot.grantedAt + Math.floor(performance.now() - slot.grantedLocal);
    this.renew(slot);
    return slot;
  }

  private renew(slot: Slot): void {
    const [leases, state] = this.keys(slot.accountSid);
    const renewing = this.redis
      .budgetRenew(leases, state, slot.leaseId, slot.outcome, this.o.leaseTtlMs, this.o.increase, this.o.max, this.o.probeHoldMs, this.o.idleResetMs)
      .then(([status, inFlight]) => {
        slot.position = inFlight;
        // Lapsed, or over a limit another process lowered: the holder finishes, then the lease goes back.
        if (status !== 1) slot.reusable = false;
      })
      .catch(() => {
        slot.reusable = false;
      });
    this.track(renewing);
  }

  private releaseInRedis(slot: Slot): void {
    const [leases, state] = this.keys(slot.accountSid);
    // 'failed' (network error) says nothing about the upstream's limit: free the slot, leave the limit.
    const releasing = this.redis
      .budgetRelease(leases, state, slot.leaseId, slot.outcome, slot.acquiredAt, this.o.increase, this.o.decrease, this.o.max, this.o.min, this.o.probeHoldMs, slot.position)
      .catch(() => undefined) // the lease lapses by itself after leaseTtlMs
      .finally(() => this.wake(slot.accountSid));
    this.track(releasing);
  }

  private park(slot: Slot): void {
    if (this.o.parkMs <= 0) return this.releaseInRedis(slot);
    const list = this.parked.get(slot.accountSid) ?? [];
    this.parked.set(slot.accountSid, list);
    list.push(slot);
    slot.parkTimer = setTimeout(() => {
      this.removeParked(slot);
      this.releaseInRedis(slot);
    }, this.o.parkMs);
    slot.parkTimer.unref(); // a parked lease must not keep the process alive: Redis expires it anyway
  }

  /** A parked lease still fit for reuse, if any; unfit ones found on the way go back to Redis. */
  private unpark(accountSid: string): Slot | undefined {
    for (let slot = this.parked.get(accountSid)?.[0]; slot; slot = this.parked.get(accountSid)?.[0]) {
      this.removeParked(slot);
      if (slot.reusable) return slot;
      this.releaseInRedis(slot);
    }
    return undefined;
  }

  private removeParked(slot: Slot): void {
    clearTimeout(slot.parkTimer);
    const list = this.parked.get(slot.accountSid);
    if (!list) return;
    const i = list.indexOf(slot);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.parked.delete(slot.accountSid);
  }

  private waitForRelease(accountSid: string, signal?: AbortSignal): Promise<Slot | undefined> {
    return new Promise((resolve, reject) => {
      let set = this.waiters.get(accountSid);
      if (!set) this.waiters.set(accountSid, (set = new Set()));
      const stopWaiting = () => {
        clearTimeout(timer);
        set!.delete(done);
        signal?.removeEventListener('abort', onAbort);
      };
      const done: Waiter = (slot) => {
        stopWaiting();
        resolve(slot);
      };
      const onAbort = () => {
        stopWaiting();
        reject(signal!.reason);
      };
      // Other processes' releases are only seen by polling; jitter keeps waiters from polling in lockstep.
      const timer = setTimeout(() => done(), this.o.pollMs * (0.5 + Math.random()));
      set.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The longest-waiting request of this process for the account: handoffs go in arrival order. */
  private firstWaiter(accountSid: string): Waiter | undefined {
    return this.waiters.get(accountSid)?.values().next().value;
  }

  private wake(accountSid: string): void {
    const set = this.waiters.get(accountSid);
    if (!set) return;
    for (const w of [...set]) w();
  }

  private track(write: Promise<unknown>): void {
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  private keys(accountSid: string): [string, string] {
    const base = `${this.o.prefix}:budget:${accountSid}`;
    return [`${base}:leases`, `${base}:state`];
  }
}
