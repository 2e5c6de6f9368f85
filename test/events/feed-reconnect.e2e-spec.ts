import { AppConfig, ConfigModule, loadConfig } from '@app/config';
import { DatabaseModule, dataSourceOptions, prepareDatabase } from '@app/database';
import { EventsFeedModule, PublicationListener } from '@app/events';
import { LoggerModule } from '@app/logger';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { configureHttp } from '../../apps/mirror/src/bootstrap';
import { REDIS_URL } from '../support/test-redis';
import { freePort, throwawayPostgres, ThrowawayPostgres } from '../support/throwaway-postgres';
import { commitEvents, createdChanges, waitUntil } from './support/events-apps';
import { markAllPublished } from './support/feed-publish';
import { openSse, SseConnection } from './support/sse-client';

/**
 * The feed's LISTEN connection across a Postgres restart, on a cluster of the test's own. Events are published
 * while the feed cannot reach Postgres (the cluster runs on another port meanwhile), so their NOTIFYs are lost to
 * it: the waiting clients get them only because the listener re-reads the watermark when it reconnects. The
 * safety poll is set far beyond the test's length, so it cannot be what finds them.
 */
describe('change feed across a Postgres restart', () => {
  let pg: ThrowawayPostgres;
  let app: INestApplication;
  let url: string;
  let config: AppConfig;
  const logs: { msg: string; level: number }[] = [];
  const DB = 'mirror_feed_reconnect';

  beforeAll(async () => {
    pg = await throwawayPostgres();
    await pg.start();
    await prepareDatabase(pg.url(DB));
    config = loadConfig({
      DATABASE_URL: pg.url(DB),
      REDIS_URL,
      ROLES: 'api',
      API_TOKENS: 'events-test-token',
      PORT: '0',
      LOG_LEVEL: 'info',
      EVENTS_FEED_SAFETY_POLL_MS: '600000',
    });
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    const module = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(logger), DatabaseModule, EventsFeedModule],
    }).compile();
    app = module.createNestApplication({ logger: false });
    configureHttp(app);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await pg?.destroy();
  });

  /** What the relay does after publishing: move the watermark, then NOTIFY. */
  async function commitAndPublish(databaseUrl: string, from: number, count: number): Promise<void> {
    const ds = new DataSource(dataSourceOptions(databaseUrl, 1));
    await ds.initialize();
    try {
      await commitEvents(ds, createdChanges(from, count));
      await markAllPublished(ds);
    } finally {
      await ds.destroy();
    }
  }

  const logged = (text: string) => logs.some((l) => l.msg.includes(text));

  it('reconnects by itself, says so, and catches up on what was published while it was away', async () => {
    const listener = app.get(PublicationListener);
    let sse: SseConnection | undefined;
    try {
      await commitAndPublish(pg.url(DB), 1, 3);
      sse = await openSse(`${url}/v1/events/stream?after=0`);
      expect((await sse.next(3)).map((m) => m.id)).toEqual(['1', '2', '3']);
      const longPoll = fetch(`${url}/v1/events?after=3&wait=30`).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
      await waitUntil('both clients to wait on the watermark', () => listener.waiting === 2);

      await pg.stop();
      await waitUntil('the listener to notice', () => !listener.connected && logged('feed lost its LISTEN connection'));

      // Published where the feed cannot hear it: the cluster on a port only this test knows.
      const elsewhere = await freePort();
      await pg.start(elsewhere);
      await commitAndPublish(pg.url(DB).replace(`:${pg.port}/`, `:${elsewhere}/`), 100, 2); // 4, 5
      await pg.stop();
      expect(listener.connected).toBe(false);

      await pg.start();
      expect((await sse.next(2, 20_000)).map((m) => m.id)).toEqual(['4', '5']);
      const answered = await longPoll;
      expect(answered.status).toBe(200);
      expect(answered.body.events.map((e: any) => e.sequence)).toEqual(['4', '5']);
      expect(listener.connected).toBe(true);
      expect(logged('feed regained its LISTEN connection; caught up with the published watermark')).toBe(true);

      // And it hears NOTIFYs again.
      await commitAndPublish(pg.url(DB), 200, 1);
      expect((await sse.next(1)).map((m) => m.id)).toEqual(['6']);
    } finally {
      sse?.close();
    }
  }, 90_000);
});
