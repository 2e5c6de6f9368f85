import http from 'node:http';
import net from 'node:net';
import type { Response } from 'express';
import pino from 'pino';
import type { EventsFeedService } from './events-feed.service';
import { FeedPage } from './feed-page';
import { EventsSseService } from './events-sse.service';

/** Shutdown with a client that stopped reading: the stream's writes wait for a drain that never comes. */
describe('EventsSseService shutdown', () => {
  it('destroys, after its grace period, a stream whose client stopped reading, so shutdown returns', async () => {
    const data = JSON.stringify({ pad: 'x'.repeat(64 * 1024) }); // big events: the socket's buffers fill fast
    let sequence = 0;
    const feed = {
      read: async (): Promise<FeedPage> => {
        const after = String(sequence);
        const rows = Array.from({ length: 50 }, () => ({
          sequence: String(++sequence),
          id: '00000000-0000-4000-8000-000000000000',
          type: 'io.github.twilio-mirror.conversations.user.updated',
          account_sid: 'AC' + 'a'.repeat(32),
          service_sid: 'IS' + 'b'.repeat(32),
          user_sid: 'US' + 'c'.repeat(32),
          time: new Date(),
          data,
        }));
        return FeedPage.render(after, rows);
      },
      waitBeyond: async () => true,
      behind: () => 0,
      draining: false,
    } as unknown as EventsFeedService;
    const sse = new EventsSseService(feed, pino({ level: 'silent' }), { feed: { slowClientGraceMs: 60_000, replayRate: 1_000_000 } } as never);

    let served: Promise<void> | undefined;
    let responseClosed = false;
    const server = http.createServer((req, res) => {
      const r = res as unknown as Response & { status(code: number): unknown };
      r.status = (code: number) => ((res.statusCode = code), r);
      res.once('close', () => (responseClosed = true));
      served = sse.serve(null, r);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const client = net.connect(port, '127.0.0.1');
    try {
      client.write('GET /v1/events/stream HTTP/1.1\r\nHost: x\r\n\r\n');
      client.pause(); // reads nothing more: the server's writes back up
      // Until the stream is stuck on a write: its sequence stops moving.
      let last = -1;
      while (sequence !== last) {
        last = sequence;
        await new Promise((r) => setTimeout(r, 300));
      }

      const started = Date.now();
      await sse.beforeApplicationShutdown();
      expect({ returned: true, withinGrace: Date.now() - started < 4000, responseClosed }).toEqual({ returned: true, withinGrace: true, responseClosed: true });
      await served;
    } finally {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
