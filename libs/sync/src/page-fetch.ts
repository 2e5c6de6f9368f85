import type { Attempts } from '@app/mirror-writer';
import { TwilioClient, TwilioError, TwilioRateLimitError, UsersEnvelope } from '@app/twilio';
import { fullJitter, sleep } from './backoff';
import { RetriesExhaustedError } from './crawl-errors';

export interface RetryPolicy {
  maxRetries: number;
  baseMs: number;
  capMs: number;
}

/** A page as fetched, with the requests it took. */
export interface FetchedEnvelope {
  envelope: UsersEnvelope;
  attempts: Attempts;
}

/** A page fetch that failed, with the requests it took before it did (the run counts them too). */
export class PageFetchError extends Error {
  constructor(
    readonly cause: unknown,
    readonly attempts: Attempts,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'PageFetchError';
  }
}

/**
 * Fetches one page's envelope, retrying transient faults (5xx, timeouts, resets, malformed bodies) in place with
 * backoff. A 429 is not retried here: it goes to the crawl, which parks the job without spending an attempt or
 * holding a worker slot. Anything not retryable (401/403/404/400) fails at once. Always with the attempts made.
 */
export async function fetchEnvelopeWithRetry(
  client: TwilioClient,
  serviceSid: string,
  url: string,
  policy: RetryPolicy,
  signal: AbortSignal,
  onRetry: (e: TwilioError, attempt: number, waitMs: number) => void,
): Promise<FetchedEnvelope> {
  const attempts: Attempts = { requests: 0, throttled: 0, retries: 0 };
  for (let attempt = 0; ; attempt++) {
    attempts.requests++;
    try {
      return { envelope: await client.fetchUsersEnvelope(serviceSid, url, signal), attempts };
    } catch (e) {
      if (e instanceof TwilioRateLimitError) throw new PageFetchError(e, { ...attempts, throttled: attempts.throttled + 1 });
      if (!(e instanceof TwilioError) || !e.retryable) throw new PageFetchError(e, attempts);
      if (attempt >= policy.maxRetries) throw new PageFetchError(new RetriesExhaustedError(e, attempt), attempts);
      attempts.retries++;
      const wait = fullJitter(attempt, policy.baseMs, policy.capMs);
      onRetry(e, attempt + 1, wait);
      try {
        await sleep(wait, signal);
      } catch (aborted) {
        throw new PageFetchError(aborted, attempts);
      }
    }
  }
}
