export const CRAWL_QUEUE = 'crawl';

export type CrawlTrigger = 'schedule' | 'start' | 'manual';

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
