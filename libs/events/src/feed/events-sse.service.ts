import { ROOT_LOGGER } from '@app/logger';
import { BeforeApplicationShutdown, HttpException, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { Logger } from 'pino';
import { toStructuredJson } from '../cloud-event';
import { EventsFeedService, FEED_FALLBACK_POLL_MS, FeedRead } from './events-feed.service';
import { SseWriter } from './sse-writer';

const BATCH = 500;
const HEARTBEAT_MS = 15_000;
const CLIENT_RETRY_MS = 2_000;
/** How long shutdown lets open streams finish the event they are writing. */
const SHUTDOWN_GRACE_MS = 2_000;

/**
 * Serves the change feed as Server-Sent Events: `id` = sequence (what EventSource sends back as
 * Last-Event-ID when it reconnects), `event` = the CloudEvent type, `data` = the CloudEvent JSON.
 */
@Injectable()
export class EventsSseService implements BeforeApplicationShutdown {
  private readonly log: Logger;
  /**
   * Each open stream's stop switch and its end. A stream never ends on its own, and the HTTP server's close
   * waits for every response: shutdown must end them, or SIGTERM never stops the process.
   */
  private readonly open = new Map<AbortController, { res: Response; served: Promise<void> }>();
  private shuttingDown = false;

  constructor(
    private readonly feed: EventsFeedService,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'events-sse' });
  }

  async serve(after: string | null, res: Response): Promise<void> {
    if (this.shuttingDown) throw shuttingDown();
    const stop = new AbortController();
    const onClose = () => stop.abort();
    // Before the first read: a client that leaves during it would otherwise leave a loop polling for nobody.
    res.once('close', onClose);
    if (res.destroyed) stop.abort();
    const served = this.run(after, res, stop.signal);
    this.open.set(stop, { res, served });
    try {
      await served;
    } finally {
      this.open.delete(stop);
      res.off('close', onClose);
    }
  }

  /**
   * Ends every open stream (EventSource reconnects, to another instance) before the HTTP server closes. A
   * stream whose client stopped reading waits for a 'drain' that never comes: after a grace period its socket
   * is destroyed, so one stuck client cannot hold the process.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const stop of this.open.keys()) stop.abort();
    const ended = Promise.allSettled([...this.open.values()].map((o) => o.served));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>((resolve) => (timer = setTimeout(() => resolve('grace over'), SHUTDOWN_GRACE_MS)));
    if ((await Promise.race([ended, graceOver])) === 'grace over') {
      for (const { res } of this.open.values()) res.destroy();
      await ended;
    }
    clearTimeout(timer);
  }

  /** The first read happens before any byte is sent, so a pruned or unknown `after` still gets a plain 410/400. */
  private async run(after: string | null, res: Response, stop: AbortSignal): Promise<void> {
    const first = await this.feed.read(after, BATCH);
    if (res.destroyed) return;
    if (stop.aborted) throw shuttingDown();
    await this.follow(first, res, stop);
  }

  private async follow(read: FeedRead, res: Response, stop: AbortSignal): Promise<void> {
    const sse = new SseWriter(res);
    sse.open(CLIENT_RETRY_MS);
    let quietSince = Date.now();
    try {
      while (!stop.aborted) {
        for (const row of read.rows) {
          await sse.event(row.sequence, row.type, toStructuredJson(row));
          if (stop.aborted) return;
        }
        if (read.rows.length) quietSince = Date.now();
        if (read.rows.length < BATCH) {
          await this.feed.waitForPublication(FEED_FALLBACK_POLL_MS, stop);
          if (Date.now() - quietSince >= HEARTBEAT_MS) {
            await sse.comment('keep-alive'); // keeps proxies from closing an idle stream
            quietSince = Date.now();
          }
        }
        if (stop.aborted) return;
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

function shuttingDown(): ServiceUnavailableException {
  return new ServiceUnavailableException('the server is shutting down: reconnect, with Last-Event-ID, in a moment');
}
