import { TwilioAccounts, ServicesRepository } from '@app/accounts';
import { MirrorMetrics } from '@app/metrics';
import { MirrorWriter } from '@app/mirror-writer';
import { TwilioAuthError, TwilioNotFoundError, TwilioRateLimitError, TwilioRequestError, TwilioServerError } from '@app/twilio';
import { CrawlLocks } from '../src/crawl-lock';
import { CrawlRequest } from '../src/crawl-outcome';
import { CrawlRun } from '../src/crawl-run';
import { DeletionSweep } from '../src/deletion-sweep.service';
import { SyncRunsRepository } from '../src/sync-runs.repository';
import pino, { Logger } from 'pino';
import { Writable } from 'node:stream';
import { parsePrometheusText, valueOf } from '../../../test/support/prometheus-text';
import { ACCOUNT, config, fakeLocks, fakeRuns, fakeServices, fakeUpstream, fakeWriter, pageUrl, SERVICE, silentLogger } from './crawl-fakes';

const REQUEST: CrawlRequest = { accountSid: ACCOUNT, serviceSid: SERVICE, trigger: 'manual', finalAttempt: false };
const http = (status: number, code: number | null = null) => ({ status, code, url: pageUrl(1), twilioMessage: null });

/** CrawlRun with every boundary faked: what it writes, records and answers for each way a crawl can go. */
function crawlRun(
  opts: { pages?: number; failures?: Parameters<typeof fakeUpstream>[1]; onApply?: Parameters<typeof fakeWriter>[0]; held?: boolean; sweepDeletes?: number; lastSucceededPages?: number; logger?: Logger } = {},
) {
  const upstream = fakeUpstream(opts.pages ?? 3, opts.failures);
  const runs = fakeRuns({}, opts.lastSucceededPages ?? null);
  const metrics = new MirrorMetrics();
  const writer = fakeWriter(opts.onApply);
  const services = fakeServices();
  const locks = fakeLocks({ held: opts.held });
  const sweeps: unknown[][] = [];
  const sweep = {
    async run(...args: unknown[]) {
      sweeps.push(args);
      return opts.sweepDeletes ?? 0;
    },
    async liveCount() {
      return 42;
    },
  };
  const accounts = { client: () => upstream.client, pageSize: 2 };
  const crawl = new CrawlRun(
    config,
    opts.logger ?? silentLogger,
    accounts as unknown as TwilioAccounts,
    services.repo as unknown as ServicesRepository,
    runs.repo as unknown as SyncRunsRepository,
    writer.writer as unknown as MirrorWriter,
    sweep as unknown as DeletionSweep,
    locks.locks as unknown as CrawlLocks,
    metrics,
  );
  const scrape = async () => parsePrometheusText(await metrics.registry.metrics());
  return { crawl, upstream, run: runs.run, applied: writer.applied, services: services.calls, locks: locks.state, sweeps, scrape };
}

describe('CrawlRun', () => {
  it('writes every page in order with its checkpoint, sweeps, then records the run and the service', async () => {
    const t = crawlRun({ pages: 3, sweepDeletes: 1 });
    const outcome = await t.crawl.execute(REQUEST);
    expect(outcome).toEqual({ kind: 'succeeded', runId: '7', pages: 0, deleted: 1 });
    expect(t.applied.map((o) => (o.kind === 'page' ? [o.users.map((u) => u.sid.slice(-1)), o.nextUrl] : o.kind))).toEqual([
      [['0', '1'], pageUrl(1)],
      [['2', '3'], pageUrl(2)],
      [['4', '5'], null],
    ]);
    expect(t.sweeps).toHaveLength(1);
    expect(t.run).toMatchObject({ status: 'succeeded', finishOpts: { endCrawl: '7' } });
    expect(t.services.recordRun).toEqual([[SERVICE, ACCOUNT, '7', 'succeeded', 42]]);
    expect(t.services.markAccount).toEqual([[ACCOUNT, 'ok', null]]);
    expect(t.locks.released).toBe(1);
  });

  it('tries a page as a no-op only after a page without changes', async () => {
    const t = crawlRun({ pages: 3, onApply: (o) => (o.kind === 'page' && o.nextUrl === pageUrl(2) ? { created: 0, unchanged: 2 } : undefined) });
    await t.crawl.execute(REQUEST);
    expect(t.applied.map((o) => o.kind === 'page' && o.expectUnchanged)).toEqual([true, false, true]);
  });

  it('a 429 leaves the run open at the refused page and asks for the job to wait, counting the request', async () => {
    const t = crawlRun({ failures: { [pageUrl(1)]: new TwilioRateLimitError({ ...http(429, 20429), retryAfterMs: 1500 }) } });
    expect(await t.crawl.execute(REQUEST)).toEqual({ kind: 'throttled', runId: '7', retryAfterMs: 1500 });
    expect(t.run.status).toBe('running');
    expect(t.run.attempts).toEqual({ requests: 1, throttled: 1, retries: 0 });
    expect(t.sweeps).toHaveLength(0);
    expect(t.applied).toHaveLength(1); // page 0 was written before page 1 was refused
  });

  it('a service that is gone is marked removed, and nothing is swept', async () => {
    const t = crawlRun({ failures: { [pageUrl(0)]: new TwilioNotFoundError(http(404, 20404)) } });
    expect(await t.crawl.execute(REQUEST)).toMatchObject({ kind: 'removed', runId: '7' });
    expect(t.run.status).toBe('removed');
    expect(t.services.recordRun).toEqual([[SERVICE, ACCOUNT, '7', 'removed', null]]);
    expect(t.sweeps).toHaveLength(0);
  });

  it('refused credentials fail the run for good and mark the account unhealthy', async () => {
    const t = crawlRun({ failures: { [pageUrl(0)]: new TwilioAuthError(http(401, 20003)) } });
    const outcome = await t.crawl.execute(REQUEST);
    expect(outcome).toMatchObject({ kind: 'failed', handling: { jobAction: 'fail', accountStatus: 'unhealthy' } });
    expect(t.run).toMatchObject({ status: 'failed', finishOpts: {} });
    expect(t.services.markAccount).toEqual([[ACCOUNT, 'unhealthy', expect.stringContaining('TwilioAuthError 401/20003')]]);
  });

  it('a request the upstream refuses drops the checkpoint and the crawl, so the next run starts at page one', async () => {
    const t = crawlRun({ failures: { [pageUrl(1)]: new TwilioRequestError(http(400, 20001)) } });
    expect(await t.crawl.execute(REQUEST)).toMatchObject({ kind: 'failed', handling: { checkpoint: 'drop', jobAction: 'fail' } });
    expect(t.run).toMatchObject({ status: 'failed', finishOpts: { endCrawl: '7', dropCheckpoint: true } });
  });

  it('retries transient faults in place and counts them; past the retries the run fails with its checkpoint kept', async () => {
    const flaky = crawlRun({ failures: { [pageUrl(1)]: (n) => (n <= 2 ? new TwilioServerError(http(503)) : null) } });
    expect(await flaky.crawl.execute(REQUEST)).toMatchObject({ kind: 'succeeded' });
    const page1 = flaky.applied.find((o) => o.kind === 'page' && o.nextUrl === pageUrl(2));
    expect(page1).toMatchObject({ attempts: { requests: 3, throttled: 0, retries: 2 } });

    const broken = crawlRun({ failures: { [pageUrl(1)]: new TwilioServerError(http(503)) } });
    const outcome = await broken.crawl.execute(REQUEST);
    expect(outcome).toMatchObject({ kind: 'failed', error: expect.stringMatching(/^RetriesExhaustedError: gave up after 2 retries/), handling: { jobAction: 'fail', checkpoint: 'keep' } });
    expect(broken.run).toMatchObject({ status: 'failed', finishOpts: {} });
    expect(broken.run.attempts).toEqual({ requests: 3, throttled: 0, retries: 2 });
  });

  it('paging that leads back to a page already read fails the run instead of going round forever', async () => {
    const t = crawlRun({ pages: 3 });
    // The last page names the first one again.
    const fetch = t.upstream.client.fetchUsersEnvelope.bind(t.upstream.client);
    t.upstream.client.fetchUsersEnvelope = async (s: string, url?: string) => {
      const e = await fetch(s, url);
      return e.nextPageUrl === null ? { ...e, nextPageUrl: pageUrl(0) } : e;
    };
    expect(await t.crawl.execute(REQUEST)).toMatchObject({ kind: 'failed', error: expect.stringMatching(/^PagingLoopError: upstream paging loops: page 3/) });
    expect(t.applied).toHaveLength(2);
    expect(t.sweeps).toHaveLength(0);
  });

  it('an unexpected error leaves the run open for the next attempt, and ends it on the last attempt', async () => {
    const down = () => {
      throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
    };
    const first = crawlRun({ onApply: down });
    expect(await first.crawl.execute(REQUEST)).toMatchObject({ kind: 'failed', handling: { jobAction: 'retry', runStatus: 'running' } });
    expect(first.run.status).toBe('running');

    const last = crawlRun({ onApply: down });
    expect(await last.crawl.execute({ ...REQUEST, finalAttempt: true })).toMatchObject({ kind: 'failed', handling: { jobAction: 'retry', runStatus: 'failed' } });
    expect(last.run.status).toBe('failed');
  });

  it('does nothing while another processor holds the service', async () => {
    const t = crawlRun({ held: true });
    expect(await t.crawl.execute(REQUEST)).toEqual({ kind: 'locked' });
    expect(t.upstream.requests).toEqual([]);
  });

  it('on stop, commits the page in flight and hands the job back without sweeping', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const t = crawlRun({ pages: 5, onApply: async (o) => (o.kind === 'page' && o.nextUrl === pageUrl(2) ? gate : undefined) });
    const outcome = t.crawl.execute(REQUEST);
    while (t.applied.length < 2) await new Promise((r) => setImmediate(r)); // page 1 is being written
    const stopping = t.crawl.stop();
    release();
    expect(await outcome).toEqual({ kind: 'handed-back', runId: '7' });
    await stopping;
    expect(t.applied).toHaveLength(2);
    expect(t.sweeps).toHaveLength(0);
    expect(t.run.status).toBe('running');
  });

  it('stops writing once its crawl lock is lost: nothing more is written or swept', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const t = crawlRun({ pages: 5, onApply: async (o) => (o.kind === 'page' && o.nextUrl === pageUrl(1) ? gate : undefined) });
    const outcome = t.crawl.execute(REQUEST);
    while (t.applied.length < 1) await new Promise((r) => setImmediate(r));
    t.locks.lose(new Error('the crawl lock connection ended'));
    release();
    expect(await outcome).toMatchObject({ kind: 'failed', handling: { jobAction: 'retry' } });
    expect(t.applied).toHaveLength(1);
    expect(t.sweeps).toHaveLength(0);
  });

  it('counts each written page and its users by outcome, and the run\'s duration when it ends', async () => {
    const t = crawlRun({ pages: 3, onApply: (o) => (o.kind === 'page' && o.nextUrl === null ? { created: 0, unchanged: 1, updated: 1, rejected: [{ sid: 'US1', reason: 'bad' }] } : undefined) });
    await t.crawl.execute(REQUEST);
    const m = await t.scrape();
    expect(valueOf(m, 'twilio_mirror_pages_total', { service_sid: SERVICE })).toBe(3);
    const users = (outcome: string) => valueOf(m, 'twilio_mirror_users_total', { service_sid: SERVICE, outcome });
    expect(['created', 'updated', 'unchanged', 'deleted', 'rejected'].map(users)).toEqual([4, 1, 1, 0, 1]);
    expect(valueOf(m, 'twilio_mirror_crawl_duration_seconds_count', { outcome: 'succeeded' })).toBe(1);
    expect(valueOf(m, 'twilio_mirror_crawl_duration_seconds_sum', { outcome: 'succeeded' })).toBe(90); // finishedAt - startedAt
  });

  it('records the duration of a run that ends failed or removed, and none for a run left open', async () => {
    const failed = crawlRun({ failures: { [pageUrl(0)]: new TwilioAuthError(http(401, 20003)) } });
    await failed.crawl.execute(REQUEST);
    expect(valueOf(await failed.scrape(), 'twilio_mirror_crawl_duration_seconds_count', { outcome: 'failed' })).toBe(1);

    const throttled = crawlRun({ failures: { [pageUrl(1)]: new TwilioRateLimitError({ ...http(429, 20429), retryAfterMs: 10 }) } });
    await throttled.crawl.execute(REQUEST);
    const m = await throttled.scrape();
    expect(valueOf(m, 'twilio_mirror_crawl_duration_seconds_count')).toBe(0);
    expect(valueOf(m, 'twilio_mirror_pages_total', { service_sid: SERVICE })).toBe(1);
  });

  it('logs its progress every 10 s: pages against the last successful run, users, users/s and an ETA', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
    let now = Date.parse('2026-01-01T00:00:00Z');
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => (now += 1_000)); // every look at the clock: a second later
    try {
      const t = crawlRun({ pages: 40, lastSucceededPages: 50, logger });
      await t.crawl.execute(REQUEST);
    } finally {
      clock.mockRestore();
    }
    const progress = lines.filter((l) => l.msg === 'crawl progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const p of progress) {
      expect(p).toMatchObject({ serviceSid: SERVICE, runId: '7', expectedPages: 50, pages: expect.any(Number), users: expect.any(Number), usersPerSecond: expect.any(Number), etaSeconds: expect.any(Number) });
      expect(p.users).toBe((p.pages as number) * 2); // 2 users a page
      expect(p.pages as number).toBeLessThan(40);
    }
    const pages = progress.map((p) => p.pages as number);
    expect(pages).toEqual([...pages].sort((a, b) => a - b)); // forward only
    expect(new Set(pages).size).toBe(pages.length);
  });

  it('yields its job at a checkpoint when asked to (other crawls wait), and never after the last page', async () => {
    const t = crawlRun({ pages: 3 });
    let asked = 0;
    const outcome = await t.crawl.execute(REQUEST, { onPageWritten: async () => undefined, shouldYield: async () => ++asked >= 2 });
    expect(outcome).toEqual({ kind: 'handed-back', runId: '7' });
    expect(t.applied).toHaveLength(2);
    expect(t.run.status).toBe('running');

    const last = crawlRun({ pages: 1 });
    expect(await last.crawl.execute(REQUEST, { onPageWritten: async () => undefined, shouldYield: async () => true })).toMatchObject({ kind: 'succeeded' });
  });
});
