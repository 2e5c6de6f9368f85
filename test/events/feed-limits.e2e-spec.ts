import { FeedAdmission } from '@app/events';
import { API_TOKEN, ApiHarness, OTHER_TOKEN, startApi } from '../read-api/support/api-harness';
import { commitEvents, createdChanges, waitUntil } from './support/events-apps';
import { markAllPublished } from './support/feed-publish';
import { openSse, SseConnection } from './support/sse-client';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The feed's caps, through the api role as deployed (its token guard in front). */
describe('change feed caps: streams and long-polls per token and per process', () => {
  let api: ApiHarness;
  const open: SseConnection[] = [];

  beforeAll(async () => {
    api = await startApi('feed-caps', { EVENTS_FEED_MAX_SUBSCRIBERS: '3', EVENTS_FEED_MAX_SUBSCRIBERS_PER_TOKEN: '2' });
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await api?.close();
  });

  const sse = async (token: string | Record<string, string>) => {
    const s = await openSse(`${api.url}/v1/events/stream`, typeof token === 'string' ? bearer(token) : token);
    open.push(s);
    return s;
  };
  const longPoll = async (headers: Record<string, string>, query = '') => {
    const res = await fetch(`${api.url}/v1/events${query}`, { headers });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
  };
  const admitted = () => api.mirror.app.get(FeedAdmission).openCount;

  it('answers 429 with Retry-After past a token\'s cap and past the process\'s, and admits again once a slot is free', async () => {
    const [a1, a2] = [await sse(API_TOKEN), await sse(API_TOKEN)];
    expect([a1.status, a2.status]).toEqual([200, 200]);

    // The token's third: a stream or a long-poll, however the Bearer header is spelled.
    const a3 = await sse(API_TOKEN);
    expect(a3.status).toBe(429);
    expect(a3.headers['retry-after']).toBe('5');
    const body = JSON.parse(await a3.body);
    expect(body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', scope: 'token', limit: 2 });
    expect(body.message).toMatch(/EVENTS_FEED_MAX_SUBSCRIBERS_PER_TOKEN=2/);
    for (const headers of [bearer(API_TOKEN), { authorization: `bearer   ${API_TOKEN}` }]) {
      const refused = await longPoll(headers);
      expect({ status: refused.status, retryAfter: refused.retryAfter }).toEqual({ status: 429, retryAfter: '5' });
      expect(refused.text).not.toContain(API_TOKEN);
    }

    // Another token has its own share, until the process is full.
    const waiting = longPoll(bearer(OTHER_TOKEN), '?wait=30');
    await waitUntil('the long-poll to be admitted', () => admitted() === 3);
    const b2 = await sse(OTHER_TOKEN);
    expect(b2.status).toBe(429);
    expect(b2.headers['retry-after']).toBe('5');
    expect(JSON.parse(await b2.body)).toMatchObject({ statusCode: 429, scope: 'process', limit: 3 });
    expect((await longPoll(bearer(OTHER_TOKEN))).status).toBe(429);

    // Unauthenticated requests are still the guard's: 401, not a slot.
    expect((await longPoll({})).status).toBe(401);

    a1.close();
    await waitUntil('the closed stream to free its slot', () => admitted() === 2);
    const a4 = await sse(API_TOKEN);
    expect(a4.status).toBe(200);

    // The long-poll that held the last slot ends as usual and frees it.
    await commitEvents(api.db.dataSource, createdChanges(1, 1));
    await markAllPublished(api.db.dataSource);
    const answered = await waiting;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.text).events.map((e: any) => e.sequence)).toEqual(['1']);
    await waitUntil('the answered long-poll to free its slot', () => admitted() === 2);
  });

  it('documents the 429 and its Retry-After in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${api.url}/docs/openapi.json`)).json()) as any;
    for (const path of ['/v1/events', '/v1/events/stream']) {
      expect(doc.paths[path].get.responses['429'].headers).toHaveProperty('Retry-After');
    }
  });
});

/**
 * The replay rate: a subscriber more than a page (1,000 events) behind the head is served at EVENTS_FEED_REPLAY_RATE
 * events a second, after a first second's worth at once; within a page of the head it is not held back.
 */
describe('change feed replay rate', () => {
  let api: ApiHarness;
  const RATE = 1000;
  const EVENTS = 5000;
  const PAGE = 1000;

  beforeAll(async () => {
    api = await startApi('feed-rate', { EVENTS_FEED_REPLAY_RATE: String(RATE) });
    for (let from = 1; from <= EVENTS; from += 500) await commitEvents(api.db.dataSource, createdChanges(from, 500));
    await markAllPublished(api.db.dataSource);
  });
  afterAll(async () => {
    await api?.close();
  });


  it('paces an SSE replay, in order and complete', async () => {
    // Paced: the events up to a page from the head, less the first second's worth.
    const least = ((EVENTS - PAGE - RATE) / RATE) * 1000 - 150;
    const t0 = Date.now();
    const s = await openSse(`${api.url}/v1/events/stream?after=0`, bearer(API_TOKEN));
    try {
      const got = await s.next(EVENTS, 30_000);
      const took = Date.now() - t0;
      expect(got.map((m) => Number(m.id))).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
      expect(took).toBeGreaterThanOrEqual(least);
      expect(took).toBeLessThan(least + 8000);
    } finally {
      s.close();
    }
  });

  it('paces a long-poll replay across requests, per token', async () => {
    // Paced: the answers that leave more than a page to go (the first three), less the first second's worth.
    const least = ((EVENTS - 2 * PAGE - RATE) / RATE) * 1000 - 150;
    const t0 = Date.now();
    let after = '0';
    const seen: string[] = [];
    while (seen.length < EVENTS) {
      const res = await fetch(`${api.url}/v1/events?after=${after}&limit=1000`, { headers: bearer(OTHER_TOKEN) });
      const page = (await res.json()) as any;
      seen.push(...page.events.map((e: any) => e.sequence));
      after = page.next_after;
    }
    const took = Date.now() - t0;
    expect(seen.map(Number)).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
    expect(took).toBeGreaterThanOrEqual(least);
    expect(took).toBeLessThan(least + 8000);
  });
});
