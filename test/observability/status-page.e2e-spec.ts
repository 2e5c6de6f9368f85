import { copyFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { SyncScheduler } from '@app/scheduler';
import type { Page, Response } from 'playwright-core';
import { waitFor } from '../support/mirror-harness';
import { HeadlessBrowser, headlessChromium } from './support/headless-chromium';
import { API_TOKEN, ObservedMirror, startObservedMirror } from './support/observed-mirror';

const USERS = 2000; // 40 pages of 50
const CRAWL_LATENCY_MS = 250; // the watched crawl takes 40 × 250 ms: long enough to see the page refresh itself

interface ServiceJson {
  sid: string;
  user_count: number;
  current_run: { id: string; pages: number; rejected: number } | null;
}

/**
 * The status page in headless Chromium while a crawl runs: HTTP Basic as a browser does it (challenge, then the
 * password), a progress bar that advances as the page reloads itself, and numbers that match the read API.
 */
describe('status page in a browser', () => {
  let m: ObservedMirror;
  let browser: HeadlessBrowser;
  let watched: string;
  let idle: string;

  const api = async <T>(p: string): Promise<T> => {
    const r = await fetch(`${m.url}${p}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(r.status).toBe(200);
    return (await r.json()) as T;
  };
  const serviceJson = async (sid: string) => (await api<{ services: ServiceJson[] }>('/v1/services')).services.find((s) => s.sid === sid)!;
  const row = (page: Page, sid: string) => page.locator(`tr[data-service="${sid}"]`);
  const attr = async (page: Page, selector: string, name: string) => Number(await page.locator(selector).first().getAttribute(name));

  beforeAll(async () => {
    m = await startObservedMirror('status_page', { sim: { services: `2x${USERS}` } });
    [watched, idle] = m.sim.serviceSids;
    // The scheduler's discovery names the services (the page shows their friendly names), and crawls them once.
    const before = await m.maxRunId();
    expect(await m.mirror.app.get(SyncScheduler).tick('manual')).toMatchObject({ enqueued: expect.arrayContaining([watched, idle]) });
    for (const s of [watched, idle]) expect(await m.finishedRun(s, before)).toMatchObject({ status: 'succeeded', pages: USERS / 50 });
    browser = await headlessChromium('status-page');
  });
  afterAll(async () => {
    await browser?.close();
    await m?.close();
  });

  /** What the browser got for `p`: headless, it cannot ask a person, so a refused navigation ends in an error. */
  const refusal = async (page: Page, p: string): Promise<Response> => {
    const [response] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === p), page.goto(`${m.url}${p}`).catch(() => null)]);
    return response;
  };

  it('asks a browser for a password, and refuses one without the token', async () => {
    const anonymous = await (await browser.context()).newPage();
    for (const p of ['/status', '/admin/queues']) {
      const r = await refusal(anonymous, p);
      expect({ p, status: r.status(), challenge: r.headers()['www-authenticate'] }).toEqual({ p, status: 401, challenge: expect.stringMatching(/^Basic realm=/) });
      expect(await r.text()).not.toContain('Twilio Conversations user mirror');
    }
    const wrong = await (await browser.context({ httpCredentials: { username: 'ops', password: `${API_TOKEN}-not` } })).newPage();
    expect((await refusal(wrong, '/status')).status()).toBe(401);
  });

  it('shows the crawl in progress with a bar that advances as the page refreshes itself, and the API’s numbers', async () => {
    m.sim.admin.setBehavior({ latencyMs: CRAWL_LATENCY_MS });
    m.sim.admin.enqueueFaults([
      { kind: '429', match: 'users-list', skip: 6 }, // one 429: counted on the account's row
      { kind: 'bad-sid', match: 'users-list', skip: 3 }, // one rejected record on the service's row
    ]);
    await m.startCrawl(watched);
    const page = await (await browser.context({ httpCredentials: { username: 'ops', password: API_TOKEN } })).newPage();

    // The first look, once a few pages are in.
    await waitFor(async () => ((await serviceJson(watched)).current_run?.pages ?? 0) >= 3, 'a few pages of the watched crawl');
    const apiBefore = await serviceJson(watched);
    expect((await page.goto(`${m.url}/status`))?.status()).toBe(200);
    const apiAfter = await serviceJson(watched);
    const first = await attr(page, `tr[data-service="${watched}"]`, 'data-pages');
    expect(first).toBeGreaterThanOrEqual(apiBefore.current_run!.pages);
    expect(first).toBeLessThanOrEqual(apiAfter.current_run!.pages);

    // Against the last successful run, as /v1/services/{IS}/sync-runs has it.
    const runs = (await api<{ sync_runs: { status: string; pages: number }[] }>(`/v1/services/${watched}/sync-runs`)).sync_runs;
    const lastSucceeded = runs.find((r) => r.status === 'succeeded')!;
    expect(await attr(page, `tr[data-service="${watched}"]`, 'data-expected-pages')).toBe(lastSucceeded.pages);
    expect(await attr(page, `tr[data-service="${watched}"]`, 'data-users')).toBe(apiAfter.user_count);
    const bar = row(page, watched).locator('[role=progressbar]');
    const percent = Number(await bar.getAttribute('aria-valuenow'));
    expect(percent).toBe(Math.floor((first / lastSucceeded.pages) * 100));
    expect(await bar.locator('.fill').getAttribute('style')).toBe(`width:${percent}%`);
    await expect(row(page, watched).textContent()).resolves.toMatch(new RegExp(`${first} / ${lastSucceeded.pages} pages`));
    await expect(row(page, watched).textContent()).resolves.toMatch(/users\/s · ETA \d/);
    expect(await row(page, idle).textContent()).toMatch(/idle/);
    expect(await attr(page, `tr[data-service="${idle}"]`, 'data-users')).toBe((await serviceJson(idle)).user_count);

    const shot = path.join(browser.dir, 'status-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    if (process.env.STATUS_PAGE_SCREENSHOT) copyFileSync(shot, process.env.STATUS_PAGE_SCREENSHOT); // docs/status-page.png

    // No script: the page reloads itself (meta refresh), and the bar has moved on.
    await page.waitForEvent('load', { timeout: 15_000 });
    expect(await attr(page, `tr[data-service="${watched}"]`, 'data-pages')).toBeGreaterThan(first); // the crawl outlasts one refresh
  });

  it('shows each account’s health, budget and recent 429s, and the rejected records, once the crawl is done', async () => {
    await waitFor(async () => (await serviceJson(watched)).current_run === null, 'the watched crawl to end');
    const page = await (await browser.context({ httpCredentials: { username: 'anyone', password: API_TOKEN } })).newPage();
    await page.goto(`${m.url}/status`);
    const account = `tr[data-account="${m.sim.accountSid}"]`;
    expect(await page.locator(account).textContent()).toMatch(/ok/);
    expect(await attr(page, account, 'data-throttled-recently')).toBe(1);
    expect(await attr(page, account, 'data-budget-limit')).toBeGreaterThanOrEqual(1);
    const [last] = (await api<{ sync_runs: { rejected: number; throttled: number }[] }>(`/v1/services/${watched}/sync-runs`)).sync_runs;
    expect(last).toMatchObject({ rejected: 1, throttled: 1 });
    expect(await attr(page, `tr[data-service="${watched}"]`, 'data-rejected')).toBe(last.rejected);
    expect(await page.locator('#outbox').getAttribute('data-unpublished')).not.toBeNull();
  });

  it('serves Bull Board at /admin/queues behind the same password', async () => {
    const page = await (await browser.context({ httpCredentials: { username: 'ops', password: API_TOKEN } })).newPage();
    expect((await page.goto(`${m.url}/admin/queues`))?.status()).toBe(200);
    await page.getByText('crawl', { exact: true }).first().waitFor({ timeout: 15_000 });
    expect(existsSync(browser.dir)).toBe(true);
  });
});
