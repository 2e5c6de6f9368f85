import { EventsFeedService, OutboxRelayRepository, UserChange, userChangedSchema } from '@app/events';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import Redis from 'ioredis';
import http from 'node:http';
import { API_TOKEN, startApi } from '../read-api/support/api-harness';
import { REDIS_URL } from '../support/test-redis';
import {
  commitEvents,
  createdChanges,
  EventsEnv,
  fakeUser,
  eventsEnv,
  FeedApp,
  RelayApp,
  startFeedApp,
  startRelayApp,
  unpublishedCount,
  waitUntil,
} from './support/events-apps';
import { openSse } from './support/sse-client';

/** GET /v1/events (long-poll) and /v1/events/stream (SSE) over real HTTP and Postgres, with the relay running. */
describe('change feed over HTTP', () => {
  let env: EventsEnv;
  let feed: FeedApp;
  let relay: RelayApp;
  const validate = addFormats(new Ajv2020({ allErrors: true })).compile(userChangedSchema);

  beforeAll(async () => {
    env = await eventsEnv('feed');
    feed = await startFeedApp(env.config);
    relay = await startRelayApp(env.config);
    await commitEvents(env.db.dataSource, createdChanges(1, 10)); // sequences 1..10
    await published();
  });
  afterAll(async () => {
    await relay?.close();
    await feed?.close();
    await env?.close();
  });

  const published = () => waitUntil('the relay to publish', async () => (await unpublishedCount(env.db.dataSource)) === 0);

  const get = async (query: string) => {
    const res = await fetch(`${feed.url}/v1/events${query}`);
    return { status: res.status, body: (await res.json()) as any };
  };

  it('pages through events in sequence order with after/limit, as valid CloudEvents', async () => {
    const first = await get('?after=0&limit=4');
    expect(first.status).toBe(200);
    expect(first.body.events.map((e: any) => e.sequence)).toEqual(['1', '2', '3', '4']);
    expect(first.body.next_after).toBe('4');
    for (const e of first.body.events) expect(validate(e)).toBe(true);
    const second = await get(`?after=${first.body.next_after}&limit=1000`);
    expect(second.body.events.map((e: any) => e.sequence)).toEqual(['5', '6', '7', '8', '9', '10']);
    expect(second.body.next_after).toBe('10');
    const ids = [...first.body.events, ...second.body.events].map((e: any) => e.id);
    const rows = await env.db.dataSource.query('SELECT id FROM user_events ORDER BY sequence');
    expect(ids).toEqual(rows.map((r: any) => r.id));
    // without after: from the oldest retained
    expect((await get('?limit=2')).body.events.map((e: any) => e.sequence)).toEqual(['1', '2']);
    // nothing new: empty page, the cursor stays
    expect((await get('?after=10')).body).toEqual({ events: [], next_after: '10' });
  });

  it.each([
    ['?after=abc', /after must be an event sequence/],
    ['?after=-1', /after must be an event sequence/],
    ['?after=1234567890123456789', /after must be an event sequence/],
    ['?limit=0', /limit must be at least 1/],
    ['?limit=1001', /limit must be at most 1000/],
    ['?limit=2.5', /limit must be a whole number/],
    ['?wait=31', /wait must be at most 30/],
    ['?wait=soon', /wait must be a whole number/],
    ['?cursor=1', /property cursor should not exist/],
  ])('answers 400 to %s', async (query, message) => {
    const res = await get(query);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.message)).toMatch(message);
  });

  it('serves published events only (durable: the relay flushed them), not merely committed ones', async () => {
    await relay.relay.stop();
    try {
      await commitEvents(env.db.dataSource, createdChanges(50, 1)); // 11, committed, not published
      expect((await get('?after=10')).body).toEqual({ events: [], next_after: '10' });
      expect((await get('?after=10&limit=1')).status).toBe(200); // not mistaken for a pruned sequence
    } finally {
      relay.relay.start();
    }
    await published();
    expect((await get('?after=10')).body.events.map((e: any) => e.sequence)).toEqual(['11']);
  });

  it('long-poll answers as soon as an event is published, and empty when the wait runs out', async () => {
    const t0 = Date.now();
    const pending = get('?after=11&wait=10');
    setTimeout(() => void commitEvents(env.db.dataSource, createdChanges(100, 2)), 300);
    const res = await pending;
    const took = Date.now() - t0;
    expect(res.body.events.map((e: any) => e.sequence)).toEqual(['12', '13']);
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2000); // woken by NOTIFY, not the 10 s timeout

    const t1 = Date.now();
    const empty = await get('?after=13&wait=1');
    expect(empty.body).toEqual({ events: [], next_after: '13' });
    expect(Date.now() - t1).toBeGreaterThanOrEqual(950);
  });

  it('streams Server-Sent Events and resumes from Last-Event-ID', async () => {
    const sse = await openSse(`${feed.url}/v1/events/stream?after=8`);
    expect(sse.status).toBe(200);
    expect(sse.headers['content-type']).toMatch(/^text\/event-stream/);
    const firstFour = await sse.next(4);
    expect(firstFour.map((m) => m.id)).toEqual(['9', '10', '11', '12']);
    for (const m of firstFour) {
      const event = JSON.parse(m.data);
      expect(m.event).toBe(event.type);
      expect(event.sequence).toBe(m.id);
      expect(validate(event)).toBe(true);
    }
    // live: committed while connected
    await commitEvents(env.db.dataSource, createdChanges(200, 3)); // 14..16
    expect((await sse.next(4)).map((m) => m.id)).toEqual(['13', '14', '15', '16']);
    sse.close();

    // EventSource reconnects with the last id it saw: the header wins over ?after
    await commitEvents(env.db.dataSource, createdChanges(300, 2)); // 17, 18
    const resumed = await openSse(`${feed.url}/v1/events/stream?after=1`, { 'Last-Event-ID': '14' });
    expect((await resumed.next(4)).map((m) => m.id)).toEqual(['15', '16', '17', '18']);
    resumed.close();

    const bad = await openSse(`${feed.url}/v1/events/stream`, { 'Last-Event-ID': 'yesterday' });
    expect(bad.status).toBe(400);
    expect(await bad.body).toMatch(/Last-Event-ID must be an event sequence/);
  });

  it('answers 410 Gone for a sequence whose successors were pruned', async () => {
    await published();
    const events = new OutboxRelayRepository((sql, p) => env.db.dataSource.query(sql, p));
    await env.db.dataSource.query(`UPDATE user_events SET time = now() - interval '30 days' WHERE sequence <= 12`);
    await env.db.dataSource.query(`UPDATE relay_state SET published_through = GREATEST(published_through, 12)`);
    expect(await events.prune(new Date(Date.now() - 3_600_000), 1000)).toBe(12);

    const gone = await get('?after=5');
    expect(gone.status).toBe(410);
    expect(gone.body.message).toMatch(/events after sequence 5 are no longer retained/);
    expect(gone.body.oldest_retained).toBe('13');
    expect((await get('?after=11')).status).toBe(410);
    // the last pruned sequence itself is fine: nothing after it is missing
    const edge = await get('?after=12&limit=2');
    expect(edge.status).toBe(200);
    expect(edge.body.events.map((e: any) => e.sequence)).toEqual(['13', '14']);
    // without after: from the oldest retained, no 410
    expect((await get('?limit=1')).body.events[0].sequence).toBe('13');

    const sse = await openSse(`${feed.url}/v1/events/stream?after=3`);
    expect(sse.status).toBe(410);
    expect(await sse.body).toMatch(/no longer retained/);

    // everything pruned: the cursor of an empty feed is the last sequence ever assigned
    await env.db.dataSource.query(`UPDATE user_events SET time = now() - interval '30 days'`);
    await env.db.dataSource.query(`UPDATE relay_state SET published_through = (SELECT last FROM event_sequence)`);
    await events.prune(new Date(Date.now() - 3_600_000), 1000);
    expect((await get('')).body).toEqual({ events: [], next_after: '18' });
    expect((await get('?after=17')).status).toBe(410);
    expect((await get('?after=18')).status).toBe(200);
  });

  it('serves numbers of more than 15 significant digits exactly, the same JSON text as the stream', async () => {
    const exact: UserChange = {
      op: 'created',
      before: null,
      after: fakeUser(400),
      changed: ['attributes'],
      version: 1,
      attributesText: { before: null, after: '{"id": 12345678901234567891, "x": 0.30000000000000001}' },
    };
    await commitEvents(env.db.dataSource, [exact]);
    await published();
    const [{ last }] = await env.db.dataSource.query('SELECT last::text AS last FROM event_sequence');
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    let onStream: string;
    try {
      const [[, fields]] = await redis.xrange(env.stream, `${last}-0`, `${last}-0`);
      onStream = fields[fields.indexOf('event') + 1];
    } finally {
      redis.disconnect();
    }
    expect(onStream).toContain('"attributes": {"x": 0.30000000000000001, "id": 12345678901234567891}');

    const res = await fetch(`${feed.url}/v1/events?after=${BigInt(last) - 1n}`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await res.text();
    expect(text).toBe(`{"events":[${onStream}],"next_after":"${last}"}`);
    expect(validate(JSON.parse(text).events[0])).toBe(true);

    const sse = await openSse(`${feed.url}/v1/events/stream?after=${BigInt(last) - 1n}`);
    const [message] = await sse.next(1);
    sse.close();
    expect(message.data).toBe(onStream);
  });

  it('answers 400 for an after beyond the last sequence (another or a reset database), naming the last one', async () => {
    const [{ last }] = await env.db.dataSource.query('SELECT last::text AS last FROM event_sequence');
    const ahead = String(BigInt(last) + 1n);
    const res = await get(`?after=${ahead}&wait=5`);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(`after ${ahead} is beyond the last event sequence, ${last}`);
    expect(res.body.last_sequence).toBe(last);

    for (const [query, headers] of [[`?after=${ahead}`, {}], ['?after=1', { 'Last-Event-ID': '999999' }]] as const) {
      const sse = await openSse(`${feed.url}/v1/events/stream${query}`, headers);
      expect(sse.status).toBe(400);
      expect(JSON.parse(await sse.body)).toMatchObject({ statusCode: 400, last_sequence: last });
    }

    // the last sequence itself is a position to wait at
    const t0 = Date.now();
    expect(await get(`?after=${last}&wait=1`)).toEqual({ status: 200, body: { events: [], next_after: last } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('stops reading for an SSE client that left during its first read', async () => {
    const service = feed.app.get(EventsFeedService);
    const read = service.read.bind(service);
    let entered!: () => void;
    const firstReadStarted = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const reads = jest.spyOn(service, 'read').mockImplementationOnce(async (after, limit) => {
      entered();
      await released;
      return read(after, limit);
    });
    try {
      const req = http.get(`${feed.url}/v1/events/stream`);
      req.on('error', () => undefined);
      await firstReadStarted;
      req.destroy();
      await new Promise((r) => setTimeout(r, 100)); // the server sees the connection close
      release();
      await new Promise((r) => setTimeout(r, 1200)); // a loop left running would read every 250 ms
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      reads.mockRestore();
    }
  });

  it('documents both endpoints in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${feed.url}/docs/openapi.json`)).json()) as any;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/events', '/v1/events/stream']));
    expect(doc.paths['/v1/events'].get.responses).toHaveProperty('410');
    expect(doc.paths['/v1/events/stream'].get.responses['200'].content).toHaveProperty('text/event-stream');
  });
});

describe('api role shutdown with an open event stream', () => {
  it('ends the open event streams, so that close() (SIGTERM) returns', async () => {
    const api = await startApi('feed-shutdown');
    let closing: Promise<void> | undefined;
    try {
      const res = await fetch(`${api.url}/v1/events/stream`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      await reader.read(); // the stream is open: the retry line arrived

      closing = api.mirror.close();
      expect(await settlesWithin(closing, 5000)).toBe(true);
      expect(await settlesWithin(readToEnd(reader), 1000)).toBe(true);
    } finally {
      // api.close() would close the app a second time: its other steps, by hand.
      await (closing ?? api.mirror.close());
      await api.db.drop();
      await deleteKeys(api.config.queuePrefix);
    }
  });

  async function deleteKeys(prefix: string): Promise<void> {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  }

  async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    while (!(await reader.read().catch(() => ({ done: true }))).done);
  }

  function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
    return Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
  }
});
