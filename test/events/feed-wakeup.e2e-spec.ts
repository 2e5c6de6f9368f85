import { EventsFeedService, PublicationListener } from '@app/events';
import { DataSource } from 'typeorm';
import { commitEvents, createdChanges, EventsEnv, eventsEnv, FeedApp, RelayApp, startFeedApp, startRelayApp, unpublishedCount, waitUntil } from './support/events-apps';
import { openSse, SseConnection } from './support/sse-client';

const STREAMS = 20;
const LONG_POLLS = 5;

/**
 * The wake-up path, with the relay running: subscribers at the head sleep on the process's published watermark
 * and cost no query while idle; one publication wakes them all, and one shared read serves them all.
 */
describe('change feed wake-up path', () => {
  let env: EventsEnv;
  let feed: FeedApp;
  let relay: RelayApp;

  beforeAll(async () => {
    // No safety poll within the test: what it sees is the NOTIFY path alone.
    env = await eventsEnv('feed-wakeup', { EVENTS_FEED_SAFETY_POLL_MS: '600000' });
    feed = await startFeedApp(env.config);
    relay = await startRelayApp(env.config);
  });
  afterAll(async () => {
    await relay?.close();
    await feed?.close();
    await env?.close();
  });

  it('an idle stream or long-poll issues no query; a publication wakes them all with one read', async () => {
    const listener = feed.app.get(PublicationListener);
    const service = feed.app.get(EventsFeedService);
    await commitEvents(env.db.dataSource, createdChanges(1, 5));
    await waitUntil('the relay to publish and the feed to hear it', async () => (await unpublishedCount(env.db.dataSource)) === 0 && listener.watermark === 5n);

    const streams: SseConnection[] = [];
    const polls: Promise<any>[] = [];
    try {
      for (let i = 0; i < STREAMS; i++) streams.push(await openSse(`${feed.url}/v1/events/stream?after=5`));
      for (let i = 0; i < LONG_POLLS; i++) polls.push(fetch(`${feed.url}/v1/events?after=5&wait=30`).then((r) => r.json()));
      await waitUntil('every subscriber to wait on the watermark', () => listener.waiting === STREAMS + LONG_POLLS);

      // Every statement the feed process could send: its pool (page and window reads) and its LISTEN connection.
      const pool = jest.spyOn(feed.app.get(DataSource), 'query');
      const listenerQueries = listener.queryCount;
      const pageQueries = service.readQueryCount;
      // An observation window, not a wait for a condition: the claim is that nothing happens during it.
      // (Before the watermark, each of these 25 subscribers polled Postgres every 250 ms, two statements a poll: 200 here.)
      await new Promise((r) => setTimeout(r, 1000));
      expect({ pool: pool.mock.calls.length, listener: listener.queryCount - listenerQueries, pages: service.readQueryCount - pageQueries }).toEqual({
        pool: 0,
        listener: 0,
        pages: 0,
      });

      await commitEvents(env.db.dataSource, createdChanges(100, 1)); // 6
      for (const s of streams) expect((await s.next(1)).map((m) => m.id)).toEqual(['6']);
      for (const body of await Promise.all(polls)) expect(body).toMatchObject({ events: [expect.objectContaining({ sequence: '6' })], next_after: '6' });
      // One page read for the 25 of them, and nothing else.
      expect({ pool: pool.mock.calls.length, pages: service.readQueryCount - pageQueries }).toEqual({ pool: 1, pages: 1 });
      pool.mockRestore();
    } finally {
      for (const s of streams) s.close();
    }
  });
});
