const DELAY_SECONDS = /^\s*(\d+(?:\.\d+)?)\s*$/;

/**
 * `Retry-After` as milliseconds from `now`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
 * Null when absent or unparseable, so the caller falls back to its own backoff. A date in the past is 0.
 */
export function parseRetryAfter(value: string | string[] | undefined | null, now: number = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v == null || v === '') return null;
  const seconds = DELAY_SECONDS.exec(v);
  if (seconds) return Math.round(Number(seconds[1]) * 1000);
  // Date.parse would also take "3" or "2024" as a date; only accept something that looks like an HTTP-date.
  if (!/[A-Za-z]/.test(v)) return null;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}
