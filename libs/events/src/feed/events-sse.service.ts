import { ROOT_LOGGER } from '@app/logger';
import { HttpException, Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { Logger } from 'pino';
import { toCloudEvent } from '../cloud-event';
import { EventsFeedService, FEED_FALLBACK_POLL_MS, FeedRead } from './events-feed.service';
import { SseWriter } from './sse-writer';

const BATCH = 500;
const HEARTBEAT_MS = 15_000;
const CLIENT_RETRY_MS = 2_000;

/**
 * Serves the change feed as Server-Sent Events: `id` = sequence (what EventSource sends back as
 * Last-Event-ID when it reconnects), `event` = the CloudEvent type, `data` = the CloudEvent JSON.
 */
@Injectable()
export class EventsSseService {
  private readonly log: Logger;

  constructor(
    private readonly feed: EventsFeedService,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'events-sse' });
  }

  /** The first read happens before any byte is sent, so a pruned `after` still gets a plain 410. */
  async serve(after: string | null, res: Response): Promise<void> {
    let read: FeedRead = await this.feed.read(after, BATCH);
    const closed = new AbortController();
    res.once('close', () => closed.abort());
    const sse = new SseWriter(res);
    sse.open(CLIENT_RETRY_MS);
    let quietSince = Date.now();
    try {
      while (!closed.signal.aborted) {
        for (const row of read.rows) {
          await sse.event(row.sequence, row.type, JSON.stringify(toCloudEvent(row)));
          if (closed.signal.aborted) return;
        }
        if (read.rows.length) quietSince = Date.now();
        if (read.rows.length < BATCH) {
          await this.feed.waitForPublication(FEED_FALLBACK_POLL_MS, closed.signal);
          if (Date.now() - quietSince >= HEARTBEAT_MS) {
            await sse.comment('keep-alive'); // keeps proxies from closing an idle stream
            quietSince = Date.now();
          }
        }
        if (closed.signal.aborted) return;
        read = await this.feed.read(read.nextAfter, BATCH);
      }
    } catch (e) {
      // Headers are out: no HTTP status can be sent any more, so the client is told in the stream.
      if (e instanceof HttpException && e.getStatus() === 410) {
        await sse.event(null, 'gone', JSON.stringify(e.getResponse()));
      } else {
        this.log.error({ error: (e as Error).message }, 'event stream failed; the client reconnects with Last-Event-ID');
      }
    } finally {
      sse.end();
    }
  }
}
