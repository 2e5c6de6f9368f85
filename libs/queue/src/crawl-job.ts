export const CRAWL_QUEUE = 'crawl';

/** `recover`: a running crawl whose job was lost (Redis lost its data) is enqueued again by the scheduler. */
export type CrawlTrigger = 'schedule' | 'start' | 'manual' | 'recover';

export interface CrawlJobData {
  accountSid: string;
  serviceSid: string;
  trigger: CrawlTrigger;
  /** Consecutive 429s: the exponent of the next backoff. Reset by a page that got through. */
  throttleStreak?: number;
}

/** One job id per service: BullMQ deduplication keys on it, so a service is never crawled twice at once. */
export function crawlDedupId(serviceSid: string): string {
  return `crawl:${serviceSid}`;
}
