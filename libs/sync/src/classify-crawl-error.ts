import { TwilioAuthError, TwilioNotFoundError, TwilioRateLimitError, TwilioRequestError } from '@app/twilio';
import { UnrecoverableError } from 'bullmq';
import { CrawlTooLongError, PagingLoopError, RetriesExhaustedError } from './crawl-errors';
import { PageFetchError } from './page-fetch';

/** What a crawl that stopped on an error does with its run, its account, its checkpoint and its job. */
export interface CrawlErrorHandling {
  /**
   * `running`: the run stays open, and the job's next attempt (or the parked job) resumes it; `removed`: the
   * service is gone upstream; `failed`: the run ends, and the next run resumes its checkpoint (unless dropped).
   */
  runStatus: 'running' | 'failed' | 'removed';
  /** `unhealthy`: the account's credentials were refused. */
  accountStatus: 'unhealthy' | null;
  /** `drop`: the checkpoint cannot be resumed (the next run starts from page one) and the crawl's seen set goes. */
  checkpoint: 'keep' | 'drop';
  /**
   * `park`: the job waits (delayed) without spending an attempt; `complete`: the job is done; `fail`: the job fails
   * for good; `retry`: BullMQ retries the job with its backoff (an unexpected error: the database down, a bug).
   */
  jobAction: 'park' | 'complete' | 'fail' | 'retry';
}

/**
 * The one place that decides what each way a crawl can fail means. `finalAttempt`: the job has no attempt left,
 * so an unexpected error ends the run instead of leaving it for the next attempt.
 */
export function classifyCrawlError(e: unknown, finalAttempt: boolean): CrawlErrorHandling {
  const cause = e instanceof PageFetchError ? e.cause : e;
  if (cause instanceof TwilioRateLimitError) return { runStatus: 'running', accountStatus: null, checkpoint: 'keep', jobAction: 'park' };
  // The service is gone (or was never this account's): note it, delete nothing.
  if (cause instanceof TwilioNotFoundError) return { runStatus: 'removed', accountStatus: null, checkpoint: 'keep', jobAction: 'complete' };
  // Retrying only hammers Twilio with refused credentials.
  if (cause instanceof TwilioAuthError) return { runStatus: 'failed', accountStatus: 'unhealthy', checkpoint: 'keep', jobAction: 'fail' };
  // The upstream (or the client) refuses the request itself: a page token it no longer honours, a checkpoint on
  // another base URL. Neither retrying nor resuming from that URL can help.
  if (cause instanceof TwilioRequestError) return { runStatus: 'failed', accountStatus: null, checkpoint: 'drop', jobAction: 'fail' };
  if (cause instanceof RetriesExhaustedError || cause instanceof PagingLoopError || cause instanceof CrawlTooLongError || cause instanceof UnrecoverableError) {
    return { runStatus: 'failed', accountStatus: null, checkpoint: 'keep', jobAction: 'fail' };
  }
  return { runStatus: finalAttempt ? 'failed' : 'running', accountStatus: null, checkpoint: 'keep', jobAction: 'retry' };
}
