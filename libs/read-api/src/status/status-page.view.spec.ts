import type { ServiceStatusDto } from '../services/service-status.dto';
import type { SyncRunDto } from '../services/sync-run.dto';
import { duration, renderStatusPage } from './status-page.view';
import { serviceStatus, staleAfterSeconds, StatusSnapshot } from './status-snapshot';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const IS = 'IS' + 'a'.repeat(32);
const AC = 'AC' + 'b'.repeat(32);

function run(over: Partial<SyncRunDto>): SyncRunDto {
  return {
    id: '9', crawl_id: '9', account_sid: AC, service_sid: IS, status: 'running', trigger: 'schedule', started_at: new Date(NOW - 20_000).toISOString(),
    finished_at: null, checkpoint_url: null, pages: 0, requests: 0, throttled: 0, retries: 0, users_seen: 0, rejected: 0, created: 0, updated: 0,
    unchanged: 0, deleted: 0, error: null, note: null, ...over,
  };
}

function service(over: Partial<ServiceStatusDto>): ServiceStatusDto {
  return {
    sid: IS, account_sid: AC, friendly_name: 'Support', enabled: true, removed_at: null, user_count: 2000,
    last_success_at: new Date(NOW - 600_000).toISOString(), last_run: run({ status: 'succeeded', pages: 40 }), current_run: null,
    account: { status: 'ok', last_error: null, updated_at: null }, rejected_records: [], ...over,
  };
}

function snapshot(over: Partial<StatusSnapshot>): StatusSnapshot {
  return {
    generatedAt: new Date(NOW), refreshSeconds: 5, accounts: [], services: [], truncated: false, outbox: { unpublished: 0, lagSeconds: 0 },
    queue: { waiting: 0, active: 0, delayed: 0, failed: 0 }, staleAfterSeconds: 1800, ...over,
  };
}

describe('status page', () => {
  it("measures a crawl in progress against the last successful run: percent, users/s and the time left at the run's rate", () => {
    // 10 of 40 pages and 500 users in 20 s: 30 pages left at 2 pages/s.
    const s = serviceStatus(service({ current_run: run({ pages: 10, users_seen: 500, throttled: 2 }) }), run({ status: 'succeeded', pages: 40 }), NOW, 1800);
    expect(s.crawl).toMatchObject({ pages: 10, expectedPages: 40, percent: 25, usersSeen: 500, usersPerSecond: 25, etaSeconds: 60, throttled: 2 });
    // Past the last run's size (the service grew): 99 %, no ETA; without a successful run: no percent at all.
    expect(serviceStatus(service({ current_run: run({ pages: 45 }) }), run({ pages: 40 }), NOW, 1800).crawl).toMatchObject({ percent: 99, etaSeconds: null });
    expect(serviceStatus(service({ current_run: run({ pages: 5 }) }), null, NOW, 1800).crawl).toMatchObject({ percent: null, expectedPages: null, etaSeconds: null });
  });

  it('calls a service stale past twice the cron interval, unless it is disabled or removed', () => {
    const old = { last_success_at: new Date(NOW - 3601_000).toISOString() };
    expect(serviceStatus(service(old), null, NOW, 3600).stale).toBe(true);
    expect(serviceStatus(service({}), null, NOW, 3600)).toMatchObject({ stale: false, ageSeconds: 600 });
    expect(serviceStatus(service({ ...old, enabled: false }), null, NOW, 3600).stale).toBe(false);
    expect(serviceStatus(service({ ...old, removed_at: new Date(NOW).toISOString() }), null, NOW, 3600).stale).toBe(false);
    expect(staleAfterSeconds('*/15 * * * *')).toBe(1800);
    expect(staleAfterSeconds('0 3 * * *')).toBe(2 * 86_400);
  });

  it('escapes what comes from upstream or the database, and runs no script', () => {
    const evil = '<img src=x onerror=alert(1)>"\'&';
    const html = renderStatusPage(
      snapshot({
        services: [serviceStatus(service({ friendly_name: evil }), null, NOW, 1800)],
        accounts: [{ sid: AC, health: 'unhealthy', lastError: `TwilioAuthError 401: ${evil}`, budget: { limit: 3.74, inFlight: 1 }, throttledRecently: 4 }],
      }),
    );
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('<meta http-equiv="refresh" content="5">');
    expect(html).toMatch(/<tr data-account="AC[b]{32}" data-budget-limit="3.74" data-budget-in-flight="1" data-throttled-recently="4">/);
    expect(html).toContain('1 / 3.7');
  });

  it('draws the bar at the percent done and says what it is against', () => {
    const s = serviceStatus(service({ current_run: run({ pages: 10, users_seen: 500 }) }), run({ status: 'succeeded', pages: 40 }), NOW, 1800);
    const html = renderStatusPage(snapshot({ services: [s] }));
    expect(html).toContain('aria-valuenow="25"><div class="fill" style="width:25%">');
    expect(html).toContain('<b>25%</b> · 10 / 40 pages');
    expect(html).toContain('25 users/s · ETA 1 min');
    expect(html).toMatch(/data-service="IS[a]{32}" data-users="2000" data-rejected="0" data-age-seconds="600" data-pages="10" data-expected-pages="40" data-percent="25"/);
  });

  it('says so when Postgres or Redis did not answer, rather than showing numbers it does not have', () => {
    const html = renderStatusPage(snapshot({ outbox: null, queue: null, accounts: [{ sid: AC, health: 'ok', lastError: null, budget: null, throttledRecently: null }] }));
    expect(html).toContain('Postgres did not answer');
    expect(html).toContain('Redis did not answer');
    expect(html).toMatch(/<tr data-account="AC[b]{32}">/);
  });

  it('writes durations for people', () => {
    expect([42, 200, 3600, 7500, 90_000].map(duration)).toEqual(['42 s', '3 min 20 s', '1 h', '2 h 5 min', '1 d 1 h']);
  });
});
