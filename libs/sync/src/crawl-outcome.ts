import type { CrawlErrorHandling } from './classify-crawl-error';

/** What a crawl job asks of the crawl. */
export interface CrawlRequest {
  accountSid: string;
  serviceSid: string;
  trigger: string;
  /** The job has no attempt left after this one: an unexpected error ends the run rather than leaving it open. */
  finalAttempt: boolean;
  /** For log lines. */
  jobId?: string;
  attempt?: number;
}

/** How a crawl ended, for the processor to map onto its job (see CrawlProcessor). */
export type CrawlOutcome =
  /** Every page written and deletions swept. */
  | { kind: 'succeeded'; runId: string; pages: number; deleted: number }
  /** The service is gone upstream: nothing was deleted. */
  | { kind: 'removed'; runId: string; pages: number }
  /** A 429: the run stays open at the refused page; the job waits. */
  | { kind: 'throttled'; runId: string; retryAfterMs: number | null }
  /** The process is stopping: the page in flight was committed, the job goes back to the queue. */
  | { kind: 'handed-back'; runId: string }
  /** Another processor holds the service's crawl (a job recovered while its first processor still runs). */
  | { kind: 'locked' }
  | { kind: 'failed'; runId: string; error: string; handling: CrawlErrorHandling; cause: unknown };
