import http from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ApiHarness, startApi } from './support/api-harness';
import { basic, rawRequest } from './support/raw-http';
import { insertService, insertUsers, sid } from './support/seed';

const A = 'AC' + 'a'.repeat(32);
const B = 'AC' + 'b'.repeat(32);
const [A1, A2, B1, B2] = [sid('IS', 0xa1), sid('IS', 0xa2), sid('IS', 0xb1), sid('IS', 0xb2)];
const ACCOUNT_OF: Record<string, string> = { [A1]: A, [A2]: A, [B1]: B, [B2]: B };
const SERVICES = [A1, A2, B1, B2];
const KEY_A = 'SK' + 'a'.repeat(32);
/** Per service: a live user, its identity, a tombstone and a run id. */
const live = (s: string) => sid('US', parseInt(s.slice(-2), 16) * 16 + 1);
const tombstone = (s: string) => sid('US', parseInt(s.slice(-2), 16) * 16 + 2);
const runId = (s: string) => String(parseInt(s.slice(-2), 16));

/** One token per scope shape, with what it must be allowed. */
interface Shape {
  name: string;
  token: string;
  entry: string;
  services: string[];
  trigger: boolean;
  /** Accounts the Twilio surface accepts as HTTP Basic user name with this token. */
  accounts: string[];
  /** An API key it maps to an account, for the Twilio surface. */
  key?: { sid: string; account: string };
}

const SHAPES: Shape[] = [
  { name: 'full (plain token)', token: 'scope-full-token-1', entry: 'scope-full-token-1', services: SERVICES, trigger: true, accounts: [A, B] },
  { name: 'read, everything', token: 'scope-read-all-1', entry: 'reader:scope-read-all-1:read', services: SERVICES, trigger: false, accounts: [A, B] },
  { name: 'trigger, account A', token: 'scope-acct-a-1', entry: `acct-a:scope-acct-a-1:trigger@${A}`, services: [A1, A2], trigger: true, accounts: [A] },
  { name: 'read, service B1 of B', token: 'scope-svc-b1-1', entry: `svc-b1:scope-svc-b1-1:read@${B}/${B1}`, services: [B1], trigger: false, accounts: [B] },
  {
    name: 'trigger, service A2 (bare) and B2, key for A',
    token: 'scope-svc-a2-1',
    entry: `svc-mix:scope-svc-a2-1:trigger@${A2}+${A}/${B2}+${KEY_A}=${A}`,
    services: [A2, B2],
    trigger: true,
    // B2 was written as A/B2: the user name A is accepted, and B2 (of B) is still 404 under it, as on Twilio.
    accounts: [A],
    key: { sid: KEY_A, account: A },
  },
];

/** A layer of Express 5's router: a route's path and methods, or a middleware (no route). */
interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

type Outcome = { route: string; shape: string; target: string; status: number };

/**
 * Every route of the api role, enumerated from Express's router after start-up, against every scope shape: a route
 * that is neither in ROUTES nor public fails the test, so a new route cannot ship without its scope rule. Each rule
 * sends the route's request for every service (its user, tombstone, run) and expects only what the scope allows:
 * lists filtered, anything else 404 (exactly as something that does not exist), triggers 403 without the right.
 */
describe('read API: every route enforces the token scope', () => {
  let api: ApiHarness;
  const outcomes: { actual: Outcome[]; expected: Outcome[] } = { actual: [], expected: [] };

  const bearer = (s: Shape) => ({ authorization: `Bearer ${s.token}` });
  async function call(method: string, path: string, headers: Record<string, string>) {
    const r = await rawRequest(api.url, { method, path, headers });
    return { status: r.status, body: r.text ? safeJson(r.text) : null };
  }
  function record(route: string, shape: Shape, target: string, actual: number, expected: number) {
    outcomes.actual.push({ route, shape: shape.name, target, status: actual });
    outcomes.expected.push({ route, shape: shape.name, target, status: expected });
  }
  /** For a route about one service: each service in turn, expecting `ok` in scope, 404 out of it (403 first for a trigger route without the right). */
  async function perService(route: string, method: string, path: (s: string) => string, ok: number, opts: { trigger?: boolean } = {}) {
    for (const shape of SHAPES) {
      for (const s of SERVICES) {
        const r = await call(method, path(s), bearer(shape));
        const expected = opts.trigger && !shape.trigger ? 403 : shape.services.includes(s) ? ok : 404;
        record(route, shape, s, r.status, expected);
      }
    }
  }
  /** The Twilio surface: Basic with the service's account (or the shape's key), then with the other account. */
  async function perTwilioService(route: string, method: string, path: (s: string) => string, ok: number) {
    for (const shape of SHAPES) {
      for (const s of SERVICES) {
        const user = ACCOUNT_OF[s];
        const r = await call(method, path(s), { authorization: basic(user, shape.token) });
        record(route, shape, `${s} as ${user.slice(0, 3)}`, r.status, !shape.accounts.includes(user) ? 401 : shape.services.includes(s) ? ok : 404);
        const other = user === A ? B : A;
        if (shape.accounts.includes(other)) {
          const cross = await call(method, path(s), { authorization: basic(other, shape.token) });
          record(route, shape, `${s} as ${other.slice(0, 3)}`, cross.status, 404);
        }
        if (shape.key) {
          const withKey = await call(method, path(s), { authorization: basic(shape.key.sid, shape.token) });
          record(route, shape, `${s} as key`, withKey.status, shape.services.includes(s) && ACCOUNT_OF[s] === shape.key.account ? ok : 404);
        }
      }
    }
  }
  /** A list: exactly the items of the services in scope. */
  async function list(route: string, path: string, items: (body: any) => string[], expectedItems: (services: string[]) => string[]) {
    for (const shape of SHAPES) {
      const r = await call('GET', path, bearer(shape));
      record(route, shape, 'status', r.status, 200);
      outcomes.actual.push({ route, shape: shape.name, target: JSON.stringify(items(r.body).sort()), status: 0 });
      outcomes.expected.push({ route, shape: shape.name, target: JSON.stringify(expectedItems(shape.services).sort()), status: 0 });
    }
  }

  /** The scope rule of each route, keyed as Express registered it. */
  const ROUTES: Record<string, () => Promise<void>> = {
    'GET /v1/services': () => list('GET /v1/services', '/v1/services', (b) => b.services.map((s: any) => s.sid), (ss) => ss),
    'GET /v1/services/:serviceSid': () => perService('GET /v1/services/:serviceSid', 'GET', (s) => `/v1/services/${s}`, 200),
    'POST /v1/services/:serviceSid/sync': () => perService('POST /v1/services/:serviceSid/sync', 'POST', (s) => `/v1/services/${s}/sync`, 202, { trigger: true }),
    'GET /v1/services/:serviceSid/users': () => perService('GET /v1/services/:serviceSid/users', 'GET', (s) => `/v1/services/${s}/users?deleted=include`, 200),
    'GET /v1/services/:serviceSid/users/:sidOrIdentity': async () => {
      await perService('GET /v1/services/:serviceSid/users/:sidOrIdentity', 'GET', (s) => `/v1/services/${s}/users/${live(s)}`, 200);
      await perService('GET /v1/services/:serviceSid/users/:sidOrIdentity', 'GET', (s) => `/v1/services/${s}/users/identity-${s.slice(-2)}`, 200);
    },
    'GET /v1/users/:sid': async () => {
      await perService('GET /v1/users/:sid', 'GET', (s) => `/v1/users/${live(s)}`, 200);
      await perService('GET /v1/users/:sid', 'GET', (s) => `/v1/users/${tombstone(s)}?include_deleted=true`, 200);
    },
    'DELETE /v1/users/:sid/personal-data': () => perService('DELETE /v1/users/:sid/personal-data', 'DELETE', (s) => `/v1/users/${tombstone(s)}/personal-data`, 200, { trigger: true }),
    'GET /v1/sync-runs': () => list('GET /v1/sync-runs', '/v1/sync-runs', (b) => b.sync_runs.map((r: any) => r.service_sid), (ss) => ss),
    'GET /v1/sync-runs/:id': () => perService('GET /v1/sync-runs/:id', 'GET', (s) => `/v1/sync-runs/${runId(s)}`, 200),
    'GET /v1/services/:serviceSid/sync-runs': () => perService('GET /v1/services/:serviceSid/sync-runs', 'GET', (s) => `/v1/services/${s}/sync-runs`, 200),
    'GET /twilio/v1/Services/:serviceSid/Users': () => perTwilioService('GET /twilio/v1/Services/:serviceSid/Users', 'GET', (s) => `/twilio/v1/Services/${s}/Users`, 200),
    'GET /twilio/v1/Services/:serviceSid/Users/:sid': () =>
      perTwilioService('GET /twilio/v1/Services/:serviceSid/Users/:sid', 'GET', (s) => `/twilio/v1/Services/${s}/Users/${live(s)}`, 200),
    'POST /twilio/v1/Services/:serviceSid/Users': () => perTwilioService('POST /twilio/v1/Services/:serviceSid/Users', 'POST', (s) => `/twilio/v1/Services/${s}/Users`, 405),
    'POST /twilio/v1/Services/:serviceSid/Users/:sid': () =>
      perTwilioService('POST /twilio/v1/Services/:serviceSid/Users/:sid', 'POST', (s) => `/twilio/v1/Services/${s}/Users/${live(s)}`, 405),
    'DELETE /twilio/v1/Services/:serviceSid/Users/:sid': () =>
      perTwilioService('DELETE /twilio/v1/Services/:serviceSid/Users/:sid', 'DELETE', (s) => `/twilio/v1/Services/${s}/Users/${live(s)}`, 405),
    // Every token may follow the feed; what each one's pages and streams carry is feed-scope.e2e-spec.ts's to check.
    'GET /v1/events': () => everyScope('GET /v1/events', '/v1/events?after=0&limit=1'),
    'GET /v1/events/stream': () => everyScope('GET /v1/events/stream', '/v1/events/stream?after=0'),
  };
  async function everyScope(route: string, path: string) {
    for (const shape of SHAPES) record(route, shape, 'bearer', await statusOf(api.url, path, bearer(shape)), 200);
  }
  /**
   * Routes that do not apply scopes, so the token check refuses limited tokens there (403) and full-scope ones read
   * everything: the pages for a browser, which show every service.
   */
  const FULL_SCOPE_ONLY: Record<string, () => Promise<void>> = {
    'GET /status': () => fullScopeOnly('GET /status', '/status', true),
    // The webhooks' counters of every account.
    'GET /v1/webhooks': () => fullScopeOnly('GET /v1/webhooks', '/v1/webhooks'),
  };
  async function fullScopeOnly(route: string, path: string, basicToo = false) {
    for (const shape of SHAPES) {
      const full = shape.services.length === SERVICES.length && !shape.entry.includes('@');
      record(route, shape, 'bearer', await statusOf(api.url, path, bearer(shape)), full ? 200 : 403);
      if (basicToo) record(route, shape, 'basic', await statusOf(api.url, path, { authorization: basic('someone', shape.token) }), full ? 200 : 403);
    }
  }
  /**
   * Open to API tokens on purpose: health for orchestrators, the OpenAPI docs (shapes, not data), /metrics, which
   * takes METRICS_TOKEN (for scrapers, not an API token) when it is set, and the webhook receiver.
   */
  const isPublic = (key: string) =>
    /^GET \/health(\/live|\/ready)?$/.test(key) || key === 'GET /metrics' || /^GET \/docs([/-]|$)/.test(key) || isWebhookReceiver(key);
  /** Twilio's webhooks: their credential is Twilio's signature, not an API token (test/webhooks/receiver.e2e-spec.ts). */
  const isWebhookReceiver = (key: string) => key === 'POST /webhooks/twilio' || key === 'GET /webhooks/twilio';

  function registeredRoutes(): string[] {
    const app = (api.mirror.app as NestExpressApplication).getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } };
    return app.router.stack
      .flatMap((layer) => (layer.route && layer.route.path !== '/{*path}' ? [layer.route] : [])) // `/{*path}`: middleware Nest mounts for every path
      .flatMap((route) => Object.keys(route.methods).map((m) => `${m.toUpperCase()} ${route.path}`));
  }

  beforeAll(async () => {
    api = await startApi('scopes', { API_TOKENS: SHAPES.map((s) => s.entry).join(',') });
    const ds = api.db.dataSource;
    for (const s of SERVICES) {
      await insertService(ds, s, { accountSid: ACCOUNT_OF[s] });
      await insertUsers(ds, [
        { sid: live(s), account_sid: ACCOUNT_OF[s], chat_service_sid: s, identity: `identity-${s.slice(-2)}` },
        { sid: tombstone(s), account_sid: ACCOUNT_OF[s], chat_service_sid: s, deleted_at: '2025-01-01T00:00:00Z' },
      ]);
      await ds.query(`INSERT INTO sync_runs (id, crawl_id, account_sid, service_sid, status, trigger, finished_at) VALUES ($1, $1, $2, $3, 'succeeded', 'manual', now())`, [
        runId(s),
        ACCOUNT_OF[s],
        s,
      ]);
    }
  });
  afterAll(() => api?.close());

  it('has a scope rule for every route the router holds, and no rule for a route that is gone', () => {
    const routes = registeredRoutes();
    const unruled = routes.filter((r) => !(r in ROUTES) && !(r in FULL_SCOPE_ONLY) && !isPublic(r));
    expect(unruled).toEqual([]);
    expect([...Object.keys(ROUTES), ...Object.keys(FULL_SCOPE_ONLY)].filter((r) => !routes.includes(r))).toEqual([]);
  });

  it('refuses every route but the public ones without a token', async () => {
    const refused: string[] = [];
    for (const key of registeredRoutes().filter((r) => !isPublic(r))) {
      const [method, path] = key.split(' ');
      const concrete = path.replace(':serviceSid', A1).replace(':sidOrIdentity', live(A1)).replace(':sid', live(A1)).replace(':id', runId(A1));
      const r = await rawRequest(api.url, { method, path: concrete, headers: {} });
      if (r.status !== 401) refused.push(`${key}: ${r.status}`);
    }
    expect(refused).toEqual([]);
  });

  it('answers each route, for each scope shape, with only what the scope allows', async () => {
    for (const key of registeredRoutes()) await (ROUTES[key] ?? FULL_SCOPE_ONLY[key])?.();
    // Bull Board is mounted as Express middleware, not a route: its own check takes full-scope tokens only too.
    for (const shape of SHAPES) {
      const full = shape.services.length === SERVICES.length && !shape.entry.includes('@');
      record('/admin/queues', shape, 'basic', await statusOf(api.url, '/admin/queues', { authorization: basic('someone', shape.token) }), full ? 200 : 403);
    }
    expect(outcomes.actual.length).toBeGreaterThan(400);
    expect(outcomes.actual).toEqual(outcomes.expected);
  });

  it('reads the same out-of-scope answer as for something that does not exist', async () => {
    const narrow = SHAPES[3]; // service B1 only
    const missing = sid('IS', 0xee);
    const outOfScope = await rawRequest(api.url, { path: `/v1/services/${A1}`, headers: bearer(narrow) });
    const absent = await rawRequest(api.url, { path: `/v1/services/${missing}`, headers: bearer(narrow) });
    expect(outOfScope.json()).toEqual({ ...absent.json(), message: absent.json().message.replace(missing, A1) });
    const run = await rawRequest(api.url, { path: `/v1/sync-runs/${runId(A1)}`, headers: bearer(narrow) });
    const noRun = await rawRequest(api.url, { path: '/v1/sync-runs/999', headers: bearer(narrow) });
    expect(run.json()).toEqual({ ...noRun.json(), message: noRun.json().message.replace('999', runId(A1)) });
  });
});

/** The status of a response, without waiting for its end (an event stream has none). */
function statusOf(base: string, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { headers }, (res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
