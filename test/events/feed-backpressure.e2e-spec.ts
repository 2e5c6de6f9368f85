import { FeedAdmission, UserChange } from '@app/events';
import http from 'node:http';
import { commitEvents, EventsEnv, eventsEnv, fakeUser, FeedApp, startFeedApp, waitUntil } from './support/events-apps';
import { markAllPublished } from './support/feed-publish';
import { openSse } from './support/sse-client';

const EVENTS = 3000;
const GRACE_MS = 1000;

/** Fat events (about 7 KB each, 20 MB in all), so a client that stops reading fills every buffer on the way. */
function fatChanges(from: number, count: number): UserChange[] {
  return Array.from({ length: count }, (_, i) => {
    const after = { ...fakeUser(from + i), attributes: { pad: 'x'.repeat(7000), n: from + i } };
    return { op: 'created' as const, before: null, after, changed: ['identity'] as UserChange['changed'], version: 1 };
  });
}

/** Frames of a text/event-stream body: ids in order, and the comments. */
function parse(body: string): { ids: number[]; comments: string[] } {
  const ids: number[] = [];
  const comments: string[] = [];
  for (const frame of body.split('\n\n')) {
    for (const line of frame.split('\n')) {
      if (line.startsWith('id: ')) ids.push(Number(line.slice(4)));
      else if (line.startsWith(': ')) comments.push(line.slice(2));
    }
  }
  return { ids, comments };
}

/**
 * A replay to a client that stops reading: the server holds one chunk for it, not its backlog; after the grace
 * period the stream is cut with a comment saying why, and the client resumes from Last-Event-ID without a gap.
 */
describe('change feed backpressure', () => {
  let env: EventsEnv;
  let feed: FeedApp;

  beforeAll(async () => {
    env = await eventsEnv('feed-backpressure', { EVENTS_FEED_SLOW_CLIENT_GRACE_MS: String(GRACE_MS), EVENTS_FEED_REPLAY_RATE: '1000000' });
    feed = await startFeedApp(env.config);
    for (let from = 1; from <= EVENTS; from += 500) await commitEvents(env.db.dataSource, fatChanges(from, 500));
    await markAllPublished(env.db.dataSource);
  }, 60_000);
  afterAll(async () => {
    await feed?.close();
    await env?.close();
  });

  it('cuts a stalled consumer after the grace period, with a comment; it resumes with Last-Event-ID and loses nothing', async () => {
    const admission = feed.app.get(FeedAdmission);
    const chunks: Buffer[] = [];
    let ended = false;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${feed.url}/v1/events/stream?after=0`, { headers: { Accept: 'text/event-stream' } }, resolve).on('error', reject);
    });
    expect(res.statusCode).toBe(200);
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => (ended = true));
    res.pause(); // the consumer stalls: reads nothing more

    const stalledAt = Date.now();
    await waitUntil('the server to cut the stalled stream', () => admission.openCount === 0, 20_000);
    expect(Date.now() - stalledAt).toBeGreaterThanOrEqual(GRACE_MS - 100);

    res.resume(); // the consumer comes back and reads what was sent before the cut
    await waitUntil('the cut stream to end', () => ended);
    const first = parse(Buffer.concat(chunks).toString('utf8'));
    expect(first.ids.length).toBeGreaterThan(0);
    expect(first.ids.length).toBeLessThan(EVENTS); // it was cut before the end of its backlog
    expect(first.ids).toEqual(Array.from({ length: first.ids.length }, (_, i) => i + 1));
    expect(first.comments.at(-1)).toMatch(/^closing: this client left events unread for 1 s .*reconnect with Last-Event-ID to resume$/);

    const last = first.ids[first.ids.length - 1];
    const resumed = await openSse(`${feed.url}/v1/events/stream`, { 'Last-Event-ID': String(last) });
    try {
      const rest = await resumed.next(EVENTS - last, 30_000);
      expect(rest.map((m) => Number(m.id))).toEqual(Array.from({ length: EVENTS - last }, (_, i) => last + 1 + i));
    } finally {
      resumed.close();
    }
  }, 90_000);
});
