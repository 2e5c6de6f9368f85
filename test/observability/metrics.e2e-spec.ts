import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as http from 'node:http';
import { Client } from 'pg';
import { RELAY_LOCK_KEY } from '../../libs/events/src/leader-lock';
import { RunRow, waitFor } from '../support/mirror-harness';
import { hasSample, Scrape, valueOf } from '../support/prometheus-text';
import { API_TOKEN, METRICS_TOKEN, ObservedMirror, startObservedMirror } from './support/observed-mirror';

const USERS = 600; // 12 pages of 50
const OUTCOMES = ['created', 'updated', 'deleted', 'unchanged', 'rejected'] as const;

/** The families dashboards and alerts rely on (README, Observability). */
const FAMILIES = [
  'twilio_mirror_upstream_requests_total',
  'twilio_mirror_upstream_request_duration_seconds',
  'twilio_mirror_budget_limit',
  'twilio_mirror_budget_in_flight',
  'twilio_mirror_pages_total',
  'twilio_mirror_users_total',
  'twilio_mirror_crawl_duration_seconds',
  'twilio_mirror_last_success_timestamp_seconds',
  'twilio_mirror_outbox_unpublished',
  'twilio_mirror_relay_lag_seconds',
  'twilio_mirror_queue_jobs',
  'twilio_mirror_feed_clients',
];

/**
 * /metrics scraped during and after crawls against the simulator: each family moves as the crawl does, and agrees
 * with what the run recorded. The outbox relay is held back (its leader lock taken by the test) to see the backlog
 * gauge rise and come back to 0.
 */
describe('metrics', () => {
  let m: ObservedMirror;
  let relayLock: Client;
  let service: string;
  let first: RunRow;

  beforeAll(async () => {
    m = await startObservedMirror('metrics', {
      sim: { services: `1x${USERS}`, latencyMs: 60 },
      beforeStart: async (db) => {
        relayLock = new Client({ connectionString: db.url });
        await relayLock.connect();
        await relayLock.query('SELECT pg_advisory_lock($1)', [RELAY_LOCK_KEY]);
      },
    });
    service = m.sim.serviceSids[0];
  });
  afterAll(async () => {
    await relayLock?.end().catch(() => undefined);
    await m?.close();
  });

  it('shows a crawl in progress, counts its one 429 once, and ends with the run’s own counts', async () => {
    const before = await m.scrape();
    for (const family of FAMILIES) expect({ family, declared: before.types.has(family) }).toEqual({ family, declared: true });
    expect(valueOf(before, 'twilio_mirror_upstream_requests_total')).toBe(0);
    expect(valueOf(before, 'twilio_mirror_feed_clients', { kind: 'sse' })).toBe(0);
    expect(hasSample(before, 'nodejs_eventloop_lag_seconds')).toBe(true); // Node's default metrics

    m.sim.admin.enqueueFaults({ kind: '429', match: 'users-list', skip: 4 }); // the 5th page is refused once
    const after = await m.startCrawl(service);
    const during = await waitFor(async () => {
      const s = await m.scrape();
      const pages = valueOf(s, 'twilio_mirror_pages_total', { service_sid: service });
      return pages >= 2 && pages < USERS / 50 ? s : null;
    }, 'a scrape in the middle of the crawl', 60_000);
    const pagesDuring = valueOf(during, 'twilio_mirror_pages_total', { service_sid: service });
    expect(valueOf(during, 'twilio_mirror_users_total', { service_sid: service, outcome: 'created' })).toBe(pagesDuring * 50);
    expect(hasSample(during, 'twilio_mirror_last_success_timestamp_seconds', { service_sid: service })).toBe(false); // never succeeded yet
    expect(valueOf(during, 'twilio_mirror_queue_jobs', { state: 'active' }) + valueOf(during, 'twilio_mirror_queue_jobs', { state: 'delayed' })).toBe(1);
    expect(valueOf(during, 'twilio_mirror_budget_limit', { account_sid: m.sim.accountSid })).toBeGreaterThanOrEqual(1);
    expect(valueOf(during, 'twilio_mirror_crawl_duration_seconds_count')).toBe(0);

    first = await m.finishedRun(service, after);
    expect(first).toMatchObject({ status: 'succeeded', throttled: 1, created: USERS, pages: USERS / 50 });
    const done = await m.scrape();
    expect(valueOf(done, 'twilio_mirror_upstream_requests_total', { status: '429' })).toBe(1);
    expect(valueOf(done, 'twilio_mirror_upstream_requests_total')).toBe(first.requests);
    expect(valueOf(done, 'twilio_mirror_upstream_request_duration_seconds_count')).toBe(first.requests);
    expect(valueOf(done, 'twilio_mirror_pages_total', { service_sid: service })).toBe(first.pages);
    for (const outcome of OUTCOMES) {
      expect({ outcome, metric: valueOf(done, 'twilio_mirror_users_total', { service_sid: service, outcome }) }).toEqual({ outcome, metric: runCount(first, outcome) });
    }
    expect(valueOf(done, 'twilio_mirror_crawl_duration_seconds_count', { outcome: 'succeeded' })).toBe(1);
    const [{ at }] = await m.db.dataSource.query('SELECT extract(epoch FROM last_success_at)::float8 AS at FROM services WHERE sid = $1', [service]);
    expect(valueOf(done, 'twilio_mirror_last_success_timestamp_seconds', { service_sid: service })).toBeCloseTo(at, 3);
    expect(valueOf(done, 'twilio_mirror_budget_in_flight', { account_sid: m.sim.accountSid })).toBe(0);
  });

  it('shows the outbox backlog while the relay is held back, and 0 once it has caught up', async () => {
    const held = await m.scrape();
    expect(valueOf(held, 'twilio_mirror_outbox_unpublished')).toBe(USERS); // one event per created user, none published
    expect(valueOf(held, 'twilio_mirror_relay_lag_seconds')).toBeGreaterThan(0);

    await relayLock.end(); // the relay takes the lead and drains the outbox
    const drained = await waitFor(async () => {
      const s = await m.scrape();
      return valueOf(s, 'twilio_mirror_outbox_unpublished') === 0 ? s : null;
    }, 'the relay to drain the outbox');
    expect(valueOf(drained, 'twilio_mirror_relay_lag_seconds')).toBe(0);
    expect(valueOf(drained, 'twilio_mirror_scrape_errors_total')).toBe(0);
  });

  it('counts users by outcome as the next run does: created, updated, deleted, unchanged, rejected', async () => {
    const users = m.sim.admin.exportUsers(service);
    for (const u of users.slice(10, 15)) m.sim.admin.updateUser(service, u.sid, { friendlyName: `renamed ${u.sid.slice(-4)}` });
    for (const u of users.slice(20, 23)) m.sim.admin.deleteUser(service, u.sid);
    for (let i = 0; i < 4; i++) m.sim.admin.createUser(service, { identity: `metrics-new-${i}` });
    m.sim.admin.enqueueFaults({ kind: 'bad-sid', match: 'users-list', skip: 2 }); // one record of page 3 is rejected
    const before = await m.scrape();
    const run = await m.finishedRun(service, await m.startCrawl(service));
    expect(run).toMatchObject({ status: 'succeeded', created: 4, updated: 5, deleted: 3, rejected: 1 });
    const after = await m.scrape();
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    for (const outcome of OUTCOMES) {
      expect({ outcome, metric: delta('twilio_mirror_users_total', { service_sid: service, outcome }) }).toEqual({ outcome, metric: runCount(run, outcome) });
    }
    expect(delta('twilio_mirror_pages_total', { service_sid: service })).toBe(run.pages);
    expect(delta('twilio_mirror_upstream_requests_total', {})).toBe(run.requests); // pages and the sweep's point fetches
    expect(delta('twilio_mirror_upstream_requests_total', { status: '404' })).toBe(3); // the three deletions confirmed
    expect(valueOf(after, 'twilio_mirror_crawl_duration_seconds_count', { outcome: 'succeeded' })).toBe(2);
    expect(valueOf(after, 'twilio_mirror_last_success_timestamp_seconds', { service_sid: service })).toBeGreaterThan(
      valueOf(before, 'twilio_mirror_last_success_timestamp_seconds', { service_sid: service }),
    );
    await waitFor(async () => valueOf(await m.scrape(), 'twilio_mirror_outbox_unpublished') === 0, 'the outbox to be published');
  });

  it('counts the change feed’s clients while they are connected: SSE streams and waiting long-polls', async () => {
    const sse = openStream(`${m.url}/v1/events/stream?after=0`);
    await waitFor(async () => valueOf(await m.scrape(), 'twilio_mirror_feed_clients', { kind: 'sse' }) === 1, 'the SSE client to be counted');
    const [{ last }] = await m.db.dataSource.query('SELECT published_through::text AS last FROM relay_state');
    const poll = fetch(`${m.url}/v1/events?after=${last}&wait=3`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    await waitFor(async () => valueOf(await m.scrape(), 'twilio_mirror_feed_clients', { kind: 'long_poll' }) === 1, 'the long-poll to be counted');
    expect((await poll).status).toBe(200);
    sse.destroy();
    await waitFor(async () => {
      const s = await m.scrape();
      return valueOf(s, 'twilio_mirror_feed_clients', { kind: 'sse' }) === 0 && valueOf(s, 'twilio_mirror_feed_clients', { kind: 'long_poll' }) === 0;
    }, 'both clients to be gone');
  });

  it('serves every metric the Grafana dashboard queries', async () => {
    const scrape = await m.scrape();
    const dashboard = JSON.parse(readFileSync(path.resolve(__dirname, '../../deploy/grafana/dashboards/twilio-mirror.json'), 'utf8'));
    const names = dashboardMetrics(dashboard);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect({ name, served: served(scrape, name) }).toEqual({ name, served: true });
  });

  it('refuses a scrape without METRICS_TOKEN, with a read-API token too', async () => {
    for (const headers of [{}, { authorization: `Bearer ${API_TOKEN}` }, { authorization: `Bearer ${METRICS_TOKEN}x` }] as Record<string, string>[]) {
      const r = await fetch(`${m.url}/metrics`, { headers });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await r.text()).not.toContain('twilio_mirror');
    }
  });
});

function runCount(run: RunRow, outcome: (typeof OUTCOMES)[number]): number {
  return outcome === 'rejected' ? run.rejected : run[outcome];
}

/** Every metric name in the dashboard's queries; `up` is Prometheus's own. */
function dashboardMetrics(dashboard: { panels: { targets?: { expr: string }[] }[] }): string[] {
  const names = new Set<string>();
  for (const panel of dashboard.panels) {
    for (const t of panel.targets ?? []) for (const n of t.expr.matchAll(/\b((?:twilio_mirror|process|nodejs)_[a-z0-9_]+)\b/g)) names.add(n[1]);
  }
  return [...names];
}

/** A family the scrape declares, histogram and summary series (`_bucket`, `_sum`, `_count`) included. */
function served(scrape: Scrape, name: string): boolean {
  if (scrape.types.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && ['histogram', 'summary'].includes(scrape.types.get(base) ?? '');
}

/** An SSE request held open (fetch would buffer nothing until it is read). */
function openStream(url: string): http.ClientRequest {
  const req = http.get(url, { headers: { authorization: `Bearer ${API_TOKEN}`, accept: 'text/event-stream' } }, (res) => res.resume());
  req.on('error', () => undefined); // destroyed by the test
  return req;
}
