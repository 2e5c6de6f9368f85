/** How the 429 answer advertises when to come back: not at all (Twilio's usual), in seconds, or as an HTTP-date. */
export type RetryAfterMode = 'none' | 'http-date' | number;

/** Upstream behaviour that can change while the simulator runs (PUT /admin/behavior). */
export interface SimBehavior {
  /** Requests in flight per account beyond which the answer is 429; 0 = unlimited. */
  maxInFlightPerAccount: number;
  retryAfter: RetryAfterMode;
  /** Added to every admitted request, while it counts as in flight. */
  latencyMs: number;
  /** Each admitted request waits latencyMs ± up to this much (seeded, never below 0); 0 = a fixed latency. */
  latencyJitterMs: number;
  /** Probability (0..1) that an admitted request answers 503. */
  fault5xxRate: number;
  /** Probability (0..1) that a 200 body is cut in the middle. */
  faultTruncateRate: number;
}

export const DEFAULT_BEHAVIOR: Readonly<SimBehavior> = Object.freeze({
  maxInFlightPerAccount: 0,
  retryAfter: 'none',
  latencyMs: 0,
  latencyJitterMs: 0,
  fault5xxRate: 0,
  faultTruncateRate: 0,
});

/** Returns a message naming the first invalid field, or null; shared by env parsing, admin HTTP and in-process calls. */
export function behaviorProblem(patch: Partial<Record<keyof SimBehavior, unknown>>): string | null {
  const { maxInFlightPerAccount, retryAfter, latencyMs, latencyJitterMs, fault5xxRate, faultTruncateRate } = patch;
  if (maxInFlightPerAccount !== undefined && !isNonNegativeInt(maxInFlightPerAccount)) {
    return 'maxInFlightPerAccount must be an integer >= 0';
  }
  if (retryAfter !== undefined && retryAfter !== 'none' && retryAfter !== 'http-date' && !isNonNegativeInt(retryAfter)) {
    return 'retryAfter must be "none", "http-date" or an integer number of seconds >= 0';
  }
  if (latencyMs !== undefined && !isNonNegativeInt(latencyMs)) return 'latencyMs must be an integer >= 0';
  if (latencyJitterMs !== undefined && !isNonNegativeInt(latencyJitterMs)) return 'latencyJitterMs must be an integer >= 0';
  if (fault5xxRate !== undefined && !isRate(fault5xxRate)) return 'fault5xxRate must be a number in 0..1';
  if (faultTruncateRate !== undefined && !isRate(faultTruncateRate)) return 'faultTruncateRate must be a number in 0..1';
  return null;
}

function isNonNegativeInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isRate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;
}
