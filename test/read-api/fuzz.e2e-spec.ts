import * as http from 'node:http';
import { API_TOKEN, ApiHarness, startApi } from './support/api-harness';
import { basic, RawResponse, rawRequest } from './support/raw-http';
import { ACCOUNT, insertService, insertUsers, sid } from './support/seed';

const IS = sid('IS', 0xf0);
const US = sid('US', 0xf1);
const SEED = Number(process.env.FUZZ_SEED ?? 20251127);
const RANDOM = 1_000;

/** mulberry32: a seeded generator, so a failing case can be replayed with FUZZ_SEED. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}

type Rand = ReturnType<typeof prng>;

interface Case {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const enc = encodeURIComponent;

function badSid(r: Rand, prefix = 'US'): string {
  const hex = () => Array.from({ length: 32 }, () => r.pick([...'0123456789abcdef'])).join('');
  return r.pick([
    '',
    prefix,
    `${prefix}${hex().slice(0, 31)}`,
    `${prefix}${hex()}0`,
    `${prefix === 'US' ? 'IS' : 'US'}${hex()}`,
    `${prefix.toLowerCase()}${hex()}`,
    `${prefix}${hex().slice(0, 31)}g`,
    `${prefix}${'z'.repeat(32)}`,
    'x'.repeat(r.int(3000) + 1),
    '%00',
    '%ZZ',
    '%',
    '%E0%A4%A',
    '%ED%A0%80',
    '..%2F..%2Fetc%2Fpasswd',
    enc('Ω≈ç√∫˜µ≤≥÷'),
    enc('💩'.repeat(50)),
    `${prefix}${hex()}%20`,
    enc("' OR 1=1 --"),
    enc("'; DROP TABLE users; --"),
    '-1',
    'null',
    'undefined',
    enc('[object Object]'),
  ]);
}

const BAD_VALUES: readonly string[] = [
  '',
  '-1',
  '0',
  '1e309',
  'NaN',
  'Infinity',
  '0x10',
  '1.5',
  '99999999999999999999999',
  '%205%20',
  'true',
  '%00',
  '%',
  '%ZZ',
  enc('{"a":'),
  enc('[1,2]'),
  enc('"str"'),
  enc('null'),
  enc('{"a":"\\u0000"}'),
  enc('{"a":"\\ud800"}'),
  enc('{"\\udfff":1}'),
  enc(`${'['.repeat(600)}${']'.repeat(600)}`),
  enc(`${'{"a":'.repeat(300)}1${'}'.repeat(300)}`),
  enc('{"a":1e400}'),
  enc('{"a":-0.0000000000000000000000000000001}'),
  enc('x'.repeat(5000)),
  enc('%_\\'),
  enc('ab'),
  enc('\u0000\u0001\u0002'),
  enc('2025-13-45T99:99:99Z'),
  enc('2025-02-30T00:00:00Z'),
  enc('275760-09-13T00:00:00Z'),
  enc('-271821-04-20T00:00:00Z'),
  enc('1969-12-31T23:59:59Z'),
  enc('2025-01-01T24:00:00+14:00'),
  'a&limit=1&limit=2',
  'a&attributes=%7B%7D&attributes=%7B%7D',
  `a[b]=c`,
  Buffer.from(JSON.stringify({ v: 1, a: "x' OR 1=1", f: 'x' })).toString('base64url'),
  Buffer.from(JSON.stringify({ v: 1, a: sid('US', 1), f: 12 })).toString('base64url'),
  Buffer.from('{"v":1').toString('base64url'),
  Buffer.from(JSON.stringify({ v: 2, a: sid('US', 1), f: 'abc' })).toString('base64url'),
  'PT' + Buffer.from(`${IS}:1:a:${sid('US', 1)}`).toString('base64url') + '=',
  'PT' + Buffer.from(`${IS}:999999999:a:${sid('US', 1)}`).toString('base64url'),
  'PT' + Buffer.from(`${IS}:1:z:${sid('US', 1)}`).toString('base64url'),
  'PT' + Buffer.from(`${IS}:1:a:x' OR 1=1`).toString('base64url'),
  'PT',
];

function badValue(r: Rand): string {
  return r.pick(BAD_VALUES);
}

const V1_PARAMS = ['limit', 'cursor', 'identity', 'identity_prefix', 'role_sid', 'attributes', 'q', 'updated_since', 'deleted', 'include_deleted', 'bogus', 'limit[]', '__proto__', 'constructor'];
const TW_PARAMS = ['PageSize', 'Page', 'PageToken', 'Foo', '__proto__'];

function query(r: Rand, names: readonly string[]): string {
  const n = r.int(4);
  const parts = Array.from({ length: n }, () => `${r.pick(names)}=${badValue(r)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Every bad value in every parameter of the two lists, once each: the sweep random picks could miss. */
function sweep(): Case[] {
  const bearer = { authorization: `Bearer ${API_TOKEN}` };
  // The seeded services' account: the Twilio surface answers for the Basic user name's account only.
  const twAuth = { authorization: basic(ACCOUNT, API_TOKEN) };
  const cases: Case[] = [];
  for (const value of BAD_VALUES) {
    for (const name of V1_PARAMS) cases.push({ method: 'GET', path: `/v1/services/${IS}/users?${name}=${value}`, headers: bearer });
    for (const name of ['limit', 'cursor']) cases.push({ method: 'GET', path: `/v1/sync-runs?${name}=${value}`, headers: bearer });
    cases.push({ method: 'GET', path: `/v1/services/${IS}/users/${value}?include_deleted=${value}`, headers: bearer });
    for (const name of TW_PARAMS) cases.push({ method: 'GET', path: `/twilio/v1/Services/${IS}/Users?${name}=${value}`, headers: twAuth });
    cases.push({ method: 'GET', path: `/twilio/v1/Services/${IS}/Users/${value}`, headers: twAuth });
  }
  return cases;
}

function generate(r: Rand): Case {
  const bearer = { authorization: `Bearer ${API_TOKEN}` };
  // The seeded services' account: the Twilio surface answers for the Basic user name's account only.
  const twAuth = { authorization: basic(ACCOUNT, API_TOKEN) };
  const kind = r.int(10);
  switch (kind) {
    case 0:
      return { method: 'GET', path: `/v1/services/${badSid(r, 'IS')}/users${query(r, V1_PARAMS)}`, headers: bearer };
    case 1:
      return { method: 'GET', path: `/v1/services/${IS}/users${query(r, V1_PARAMS)}`, headers: bearer };
    case 2:
      return { method: 'GET', path: r.pick([`/v1/users/${badSid(r)}`, `/v1/services/${IS}/users/${badSid(r)}${query(r, V1_PARAMS)}`, `/v1/sync-runs/${badSid(r)}`, `/v1/services/${badSid(r, 'IS')}`]), headers: bearer };
    case 3:
      return { method: 'GET', path: r.pick([`/v1/services${query(r, V1_PARAMS)}`, `/v1/sync-runs${query(r, V1_PARAMS)}`, `/v1/services/${IS}/sync-runs${query(r, V1_PARAMS)}`]), headers: bearer };
    case 4:
      return { method: 'GET', path: r.pick([`/twilio/v1/Services/${IS}/Users${query(r, TW_PARAMS)}`, `/twilio/v1/Services/${badSid(r, 'IS')}/Users`, `/twilio/v1/Services/${IS}/Users/${badSid(r)}`]), headers: twAuth };
    case 5:
      return {
        // Not CONNECT: Node's HTTP server hands it to a 'connect' listener, never to the application.
        method: r.pick(['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'POST', 'PROPFIND', 'SEARCH', 'PURGE']),
        path: r.pick([`/v1/services/${IS}/users`, `/v1/users/${US}`, `/twilio/v1/Services/${IS}/Users/${US}`, `/v1/services/${IS}/sync`, '/health', '/v1/sync-runs']),
        headers: r.pick([bearer, twAuth, {}]),
      };
    case 6: {
      const body = r.pick(['{', '{"a":1}', 'null', '[]', 'x'.repeat(200_000), '\u0000', '{"__proto__":{"polluted":true}}', 'a=1&b=2', JSON.stringify({ limit: -1 })]);
      return {
        method: 'POST',
        path: r.pick([`/v1/services/${IS}/sync`, `/v1/services/${badSid(r, 'IS')}/sync`, `/twilio/v1/Services/${IS}/Users`, `/v1/services/${IS}/users`]),
        headers: { ...r.pick([bearer, twAuth]), 'content-type': r.pick(['application/json', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=klingon', 'multipart/form-data; boundary=x']) },
        body,
      };
    }
    case 7: {
      const authorization = r.pick([
        '',
        'Bearer',
        'Bearer ',
        `Bearer ${API_TOKEN} extra`,
        `bearer ${API_TOKEN.toUpperCase()}`,
        `Bearer ${'x'.repeat(8000)}`,
        'Basic',
        'Basic ' + Buffer.from(':').toString('base64'),
        'Basic ' + Buffer.from(`AC${'0'.repeat(32)}`).toString('base64'),
        basic('AC' + '0'.repeat(32), 'x'.repeat(5000)),
        'Basic ' + '='.repeat(10),
        'Digest username="x"',
        `Token ${API_TOKEN}`,
        'Bearer ' + Buffer.from('тест').toString('latin1'),
      ]);
      return { method: 'GET', path: r.pick([`/v1/services/${IS}/users`, `/twilio/v1/Services/${IS}/Users`, '/v1/services']), headers: authorization ? { authorization } : {} };
    }
    case 8:
      return {
        method: 'GET',
        path: r.pick([`/v1/services/${IS}/users`, `/twilio/v1/Services/${IS}/Users`, `/v1/users/${US}`]),
        headers: {
          ...r.pick([bearer, twAuth]),
          ...r.pick<Record<string, string>>([
            { accept: 'text/html' },
            { accept: '*/*;q=abc' },
            { 'accept-encoding': 'gzip;q=x, br' },
            { host: r.pick(['', 'a'.repeat(300), '[::1', 'evil/../x', 'example.com:99999']) },
            { 'x-forwarded-proto': 'javascript' },
            { 'x-forwarded-host': 'evil.example' },
            { 'content-type': 'application/json' },
            { 'content-length': '0' },
            { 'if-none-match': '*' },
            { range: 'bytes=0-1' },
            { cookie: 'a=b; c' },
          ]),
        },
      };
    default:
      return {
        method: 'GET',
        path: r.pick([
          `/v1/services/${IS}/users/${badSid(r)}/extra`,
          `//v1//services//${IS}//users`,
          `/v1/services/${IS}/users?${'a=1&'.repeat(1200)}`,
          `/V1/SERVICES/${IS}/USERS`,
          `/twilio/v1/Services/${IS}/Users/${badSid(r)}/Conversations`,
          `/v1/services/${IS}/users#frag`,
          `/v1/%2e%2e/health`,
          `/docs/../v1/services`,
          `/v1/services/${IS}/users?cursor=${badValue(r)}&cursor=${badValue(r)}`,
          `/twilio/v1/Services/${IS}/Users?PageToken=${badValue(r)}&PageSize=${badValue(r)}`,
        ]),
        headers: r.pick([bearer, twAuth]),
      };
  }
}

/**
 * ≥ 1,000 generated bad requests — malformed sids, sizes, cursors, filters, methods, bodies, headers — and
 * not one 5xx, not one crash: the process still answers, every answer is well formed.
 */
describe('read API: fuzzing with bad requests', () => {
  let api: ApiHarness;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  beforeAll(async () => {
    api = await startApi('fuzz');
    await insertService(api.db.dataSource, IS);
    await insertUsers(api.db.dataSource, Array.from({ length: 120 }, (_, i) => ({ sid: sid('US', 0xf1 + i), chat_service_sid: IS, identity: `fuzz ${i}` })));
  });
  afterAll(async () => {
    agent.destroy();
    await api?.close();
  });

  it(`answers a sweep and ${RANDOM} random bad requests (seed ${SEED}) without a single 5xx`, async () => {
    const r = prng(SEED);
    const cases = [...sweep(), ...Array.from({ length: RANDOM }, () => generate(r))];
    const COUNT = cases.length;
    expect(COUNT).toBeGreaterThanOrEqual(1_000 + RANDOM);
    const failures: { c: Case; status: number; text: string }[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const send = async (c: Case): Promise<RawResponse | { status: number; text: string }> => {
      try {
        return await rawRequest(api.url, { method: c.method, path: c.path, headers: c.headers, body: c.body, agent });
      } catch (e) {
        // Node's own parser may refuse a request outright (e.g. a bad method); the server stays up, which is checked below.
        return { status: -1, text: (e as Error).message };
      }
    };
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        while (next < cases.length) {
          const c = cases[next++];
          const res = await send(c);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500 || res.status <= 0) failures.push({ c: { ...c, body: c.body?.slice(0, 100) }, status: res.status, text: res.text.slice(0, 300) });
          // Every error we answer is JSON with a message, and never echoes the token.
          if (res.status >= 400 && c.method !== 'HEAD' && 'headers' in res && String(res.headers['content-type']).startsWith('application/json')) {
            const body = JSON.parse(res.text);
            if (typeof body.message !== 'string') failures.push({ c, status: res.status, text: `no message: ${res.text.slice(0, 200)}` });
          }
          if (res.text.includes(API_TOKEN)) failures.push({ c, status: res.status, text: 'token echoed' });
        }
      }),
    );
    if (process.env.FUZZ_DEBUG) console.log([...statuses.entries()]);
    expect(failures.slice(0, 10)).toEqual([]);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(COUNT);
    // Mostly refused as bad input, some found nothing; the rest are the few accidental good requests.
    expect((statuses.get(400) ?? 0) + (statuses.get(404) ?? 0) + (statuses.get(401) ?? 0)).toBeGreaterThan(COUNT / 2);
    // Still alive and still serving.
    const health = await rawRequest(api.url, { path: '/health' });
    expect(health.status).toBe(200);
    const ok = await rawRequest(api.url, { path: `/v1/services/${IS}/users?limit=5`, headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(ok.json().users).toHaveLength(5);
  });
});
