import { describeError, describeTwilioError, TwilioError } from '@app/twilio';

export { describeError };

/** A retryable fault that kept coming back past the configured number of retries. */
export class RetriesExhaustedError extends Error {
  constructor(
    readonly last: TwilioError,
    readonly retries: number,
  ) {
    super(`gave up after ${retries} retries: ${describeTwilioError(last)}`);
    this.name = 'RetriesExhaustedError';
  }
}

/** The upstream's paging leads back to a page this crawl already read: it would go round forever, never sweeping. */
export class PagingLoopError extends Error {
  constructor(page: number, url: string) {
    super(`upstream paging loops: page ${page} leads back to ${url}, a page this crawl already read`);
    this.name = 'PagingLoopError';
  }
}

/** The crawl read more pages than CRAWL_MAX_PAGES allows: an upstream that pages for ever is not followed for ever. */
export class CrawlTooLongError extends Error {
  constructor(maxPages: number) {
    super(`the crawl read ${maxPages} pages (CRAWL_MAX_PAGES) and the upstream still names a next one`);
    this.name = 'CrawlTooLongError';
  }
}
