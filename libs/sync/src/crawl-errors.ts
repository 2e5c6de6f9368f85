import { TwilioError } from '@app/twilio';

/** A retryable fault that kept coming back past the configured number of retries. */
export class RetriesExhaustedError extends Error {
  constructor(readonly last: TwilioError, retries: number) {
    super(`gave up after ${retries} retries: ${last.message}`);
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

/** Short, secret-free text for sync_runs.error and logs. */
export function describeError(e: unknown): string {
  if (e instanceof TwilioError) return `${e.name}${e.status ? ` ${e.status}` : ''}${e.code ? `/${e.code}` : ''}: ${e.message}`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
