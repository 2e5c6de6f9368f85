import { Page, TwilioClient, TwilioError, TwilioRateLimitError, TwilioUser } from '@app/twilio';
import { fullJitter, sleep } from './backoff';
import { RetriesExhaustedError } from './crawl-errors';

export interface RetryPolicy {
  maxRetries: number;
  baseMs: number;
  capMs: number;
}

export interface FetchedPage {
  page: Page<TwilioUser>;
  attempts: { requests: number; throttled: number; retries: number };
}

/**
 * Fetches one page, retrying transient faults (5xx, timeouts, resets, malformed bodies) in place with
 * backoff. A 429 is not retried here: it is thrown to the crawl, which parks the job without spending an
 * attempt or holding a worker slot. Anything not retryable (401/403/404/400) is thrown at once.
 */
export async function fetchPageWithRetry(
  client: TwilioClient,
  serviceSid: string,
  url: string,
  policy: RetryPolicy,
  signal: AbortSignal,
  onRetry: (e: TwilioError, attempt: number, waitMs: number) => void,
  onNextPageUrl?: (nextPageUrl: string | null) => void,
): Promise<FetchedPage> {
  const attempts = { requests: 0, throttled: 0, retries: 0 };
  for (let attempt = 0; ; attempt++) {
    attempts.requests++;
    try {
      const page = await client.fetchUsersPage(serviceSid, url, signal, onNextPageUrl);
      return { page, attempts };
    } catch (e) {
      if (!(e instanceof TwilioError) || !e.retryable || e instanceof TwilioRateLimitError) {
        throw Object.assign(e as object, { attempts });
      }
      if (attempt >= policy.maxRetries) throw Object.assign(new RetriesExhaustedError(e, attempt), { attempts });
      attempts.retries++;
      const wait = fullJitter(attempt, policy.baseMs, policy.capMs);
      onRetry(e, attempt + 1, wait);
      await sleep(wait, signal);
    }
  }
}

/** The request counts an error carries from fetchPageWithRetry, for the run's counters. */
export function attemptsOf(e: unknown): { requests: number; throttled: number; retries: number } {
  return (e as { attempts?: FetchedPage['attempts'] })?.attempts ?? { requests: 0, throttled: 0, retries: 0 };
}
