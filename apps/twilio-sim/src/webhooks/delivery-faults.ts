/** How an account's webhooks misbehave on the way to the receiver; every random choice comes from `seed`. */
export interface WebhookFaults {
  /** Share (0..1) of events never sent. */
  dropRate: number;
  /** Share (0..1) of the events sent that are sent twice (same body, signature and idempotency token). */
  duplicateRate: number;
  /** Each copy waits delayMs ± delayJitterMs (uniform, never below 0) before it is sent. */
  delayMs: number;
  delayJitterMs: number;
  /** 2 or more: copies are held until this many wait, then released in a shuffled order; 0 or 1 = in order. */
  reorderWindow: number;
  /** A held copy is released (with whatever else is held, shuffled) after at most this long. */
  reorderMaxHoldMs: number;
  /** Seed of the account's fault stream; null = derived from the simulator's seed and the account sid. */
  seed: number | null;
  /**
   * Deliveries of the account in flight at once. 1 (the default): one at a time, so a receiver sees them in the
   * order they were released and any disorder is the reorder fault's, reproducible from its seed. More: as Twilio,
   * which documents no ordering, sends them; a slow receiver then no longer holds back every later hook.
   */
  concurrency: number;
}

export const NO_WEBHOOK_FAULTS: Readonly<WebhookFaults> = Object.freeze({
  dropRate: 0,
  duplicateRate: 0,
  delayMs: 0,
  delayJitterMs: 0,
  reorderWindow: 0,
  reorderMaxHoldMs: 1000,
  seed: null,
  concurrency: 1,
});

const MAX_MS = 600_000;
const MAX_REORDER_WINDOW = 10_000;
const MAX_CONCURRENCY = 64;

/** A message naming the first invalid field, or null; shared by the admin HTTP surface and in-process callers. */
export function webhookFaultsProblem(patch: Partial<Record<keyof WebhookFaults, unknown>>): string | null {
  for (const key of Object.keys(patch)) {
    if (!(key in NO_WEBHOOK_FAULTS)) return `unknown webhook fault setting ${key}`;
  }
  for (const key of ['dropRate', 'duplicateRate'] as const) {
    const value = patch[key];
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) return `${key} must be a number in 0..1`;
  }
  for (const key of ['delayMs', 'delayJitterMs', 'reorderMaxHoldMs'] as const) {
    const value = patch[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_MS)) {
      return `${key} must be an integer in 0..${MAX_MS}`;
    }
  }
  const { reorderWindow, seed } = patch;
  const window = reorderWindow as number;
  if (reorderWindow !== undefined && !(Number.isSafeInteger(window) && window >= 0 && window <= MAX_REORDER_WINDOW)) {
    return `reorderWindow must be an integer in 0..${MAX_REORDER_WINDOW}`;
  }
  if (seed !== undefined && seed !== null && !Number.isSafeInteger(seed)) return 'seed must be an integer or null';
  const { concurrency } = patch;
  if (concurrency !== undefined && !(Number.isSafeInteger(concurrency) && (concurrency as number) >= 1 && (concurrency as number) <= MAX_CONCURRENCY)) {
    return `concurrency must be an integer in 1..${MAX_CONCURRENCY}`;
  }
  return null;
}
