import { AppConfig, ConfigModule, loadConfig } from '@app/config';
import { DatabaseModule, dataSourceOptions, prepareDatabase } from '@app/database';
import { EventsFeedModule, PublicationListener } from '@app/events';
import { LoggerModule } from '@app/logger';
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { configureHttp } from '../../apps/mirror/src/bootstrap';
import { REDIS_URL } from '../support/test-redis';
import { startThrowawayPostgres, ThrowawayPostgres } from '../support/throwaway-postgres';
import { commitEvents, createdChanges, waitUntil } from './support/events-apps';
import { markAllPublished } from './support/feed-publish';
import { openSse, SseConnection } from './support/sse-client';

/**
 * The feed's LISTEN connection across a Postgres restart, on a cluster of the test's own. The feed connects as a
 * role of its own, which the test forbids to log in across the restart: events published then (as postgres) are
 * NOTIFYd while the feed cannot be listening, so their NOTIFYs are lost to it, and the waiting clients get them
 * only because the listener re-reads the watermark once it is back. The safety poll is set far beyond the test's
 * length, so it cannot be what finds them.
 */
describe('change feed across a Postgres restart', () => {
  let pg: ThrowawayPostgres;
  let app: INestApplication;
  let url: string;
  let config: AppConfig;
  const logs: { msg: string; level: number }[] = [];
  const DB = 'mirror_feed_reconnect';
  const TOKEN = 'events-test-token';
  const AUTH = { authorization: `Bearer ${TOKEN}` };
  const asPostgres = () => pg.url.replace(/\/postgres$/, `/${DB}`);
  const asFeed = () => asPostgres().replace('postgres@', 'feed@');

  beforeAll(async () => {
    pg = await startThrowawayPostgres();
    await prepareDatabase(asPostgres());
    await sql('CREATE ROLE feed LOGIN SUPERUSER');
    config = loadConfig({
      DATABASE_URL: asFeed(),
      REDIS_URL,
      ROLES: 'api',
      API_TOKENS: TOKEN,
      PORT: '0',
      LOG_LEVEL: 'debug',
      EVENTS_FEED_SAFETY_POLL_MS: '600000',
    });
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
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

  /** One statement as postgres, on the cluster's own maintenance database. */
  async function sql(text: string): Promise<void> {
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  }

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
      await commitAndPublish(asPostgres(), 1, 3);
      sse = await openSse(`${url}/v1/events/stream?after=0`, AUTH);
      expect((await sse.next(3)).map((m) => m.id)).toEqual(['1', '2', '3']);
      const longPoll = fetch(`${url}/v1/events?after=3&wait=30`, { headers: AUTH }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
      await waitUntil('both clients to wait on the watermark', () => listener.waiting === 2);

      await sql('ALTER ROLE feed NOLOGIN'); // its open connections stay; the restart ends them
      await pg.stop();
      await waitUntil('the listener to notice', () => !listener.connected && logged('feed lost its LISTEN connection'));
      await pg.start();

      // Published while the feed cannot log in to LISTEN: the NOTIFY reaches no listener of the feed's.
      await commitAndPublish(asPostgres(), 100, 2); // 4, 5
      await waitUntil('a refused reconnect', () => logs.some((l) => /not permitted to log in/.test(JSON.stringify(l))), 20_000);
      expect(listener.connected).toBe(false);

      await sql('ALTER ROLE feed LOGIN');
      expect((await sse.next(2, 20_000)).map((m) => m.id)).toEqual(['4', '5']);
      const answered = await longPoll;
      expect(answered.status).toBe(200);
      expect(answered.body.events.map((e: any) => e.sequence)).toEqual(['4', '5']);
      expect(listener.connected).toBe(true);
      expect(logged('feed regained its LISTEN connection; caught up with the published watermark')).toBe(true);

      // And it hears NOTIFYs again.
      await commitAndPublish(asPostgres(), 200, 1);
      expect((await sse.next(1)).map((m) => m.id)).toEqual(['6']);
    } finally {
      sse?.close();
    }
  }, 90_000);
});
