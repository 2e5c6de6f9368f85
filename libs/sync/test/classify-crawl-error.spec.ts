import { TwilioAuthError, TwilioMalformedResponseError, TwilioNotFoundError, TwilioRateLimitError, TwilioRequestError, TwilioServerError } from '@app/twilio';
import { UnrecoverableError } from 'bullmq';
import { classifyCrawlError } from '../src/classify-crawl-error';
import { PagingLoopError, RetriesExhaustedError } from '../src/crawl-errors';
import { PageFetchError } from '../src/page-fetch';

const at = { status: 0, url: 'https://upstream.test/v1/Services/IS1/Users', code: null, twilioMessage: null };
const attempts = { requests: 1, throttled: 0, retries: 0 };

describe('classifyCrawlError', () => {
  it.each([
    ['a 429', new TwilioRateLimitError({ ...at, status: 429, retryAfterMs: null }), { runStatus: 'running', accountStatus: null, checkpoint: 'keep', jobAction: 'park' }],
    ['a 404 on the service', new TwilioNotFoundError({ ...at, status: 404 }), { runStatus: 'removed', accountStatus: null, checkpoint: 'keep', jobAction: 'complete' }],
    ['refused credentials', new TwilioAuthError({ ...at, status: 401 }), { runStatus: 'failed', accountStatus: 'unhealthy', checkpoint: 'keep', jobAction: 'fail' }],
    ['a refused request', new TwilioRequestError({ ...at, status: 400 }), { runStatus: 'failed', accountStatus: null, checkpoint: 'drop', jobAction: 'fail' }],
    ['retries exhausted', new RetriesExhaustedError(new TwilioServerError({ ...at, status: 503 }), 8), { runStatus: 'failed', accountStatus: null, checkpoint: 'keep', jobAction: 'fail' }],
    ['a paging loop', new PagingLoopError(3, 'https://x'), { runStatus: 'failed', accountStatus: null, checkpoint: 'keep', jobAction: 'fail' }],
    ['an unrecoverable error', new UnrecoverableError('account not configured'), { runStatus: 'failed', accountStatus: null, checkpoint: 'keep', jobAction: 'fail' }],
    ['the database down', Object.assign(new Error('Connection terminated'), { code: '57P01' }), { runStatus: 'running', accountStatus: null, checkpoint: 'keep', jobAction: 'retry' }],
  ])('%s', (_what, error, handling) => {
    expect(classifyCrawlError(error, false)).toEqual(handling);
    expect(classifyCrawlError(new PageFetchError(error, attempts), false)).toEqual(handling); // the same, however it arrives
  });

  it('ends the run of an unexpected error only on the last attempt', () => {
    expect(classifyCrawlError(new Error('boom'), true)).toEqual({ runStatus: 'failed', accountStatus: null, checkpoint: 'keep', jobAction: 'retry' });
  });

  it('a malformed body that reaches the crawl unretried is unexpected: the job is retried', () => {
    const e = new TwilioMalformedResponseError({ ...at, status: 200, reason: 'truncated JSON body' });
    expect(classifyCrawlError(e, false).jobAction).toBe('retry');
  });
});
