import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { BeforeApplicationShutdown, HttpException, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { Logger } from 'pino';
import { EventsFeedService } from './events-feed.service';
import { EventFilter, FeedPage } from './feed-page';
import { FEED_READ_ROWS } from './feed-page-reader';
import { ReplayPacer } from './replay-pacer';
import { SseWriter, WriteOutcome } from './sse-writer';
import { StreamPosition } from './stream-position';
import { WriteTurns } from './write-turns';

/** An idle stream's comment interval: 12–15 s, drawn per stream, so streams opened together do not beat together. */
const HEARTBEAT_MS = 15_000;
const HEARTBEAT_SPREAD = 0.2;
const CLIENT_RETRY_MS = 2_000;
/** How long shutdown lets open streams finish the event they are writing. */
const SHUTDOWN_GRACE_MS = 2_000;

/**
 * Serves the change feed as Server-Sent Events: `id` = sequence (what EventSource sends back as
 * Last-Event-ID when it reconnects), `event` = the CloudEvent type, `data` = the CloudEvent JSON.
 *
 * A stream behind the watermark is served page by page (FEED_READ_ROWS events, sent in chunks of about 128 KB),
 * the next chunk only once the socket took the last one and, more than a page behind, the replay pacers allow it;
 * so whatever its backlog, a stream holds at most one page (shared with the streams at that page) and its socket
 * one chunk. Chunk writes take turns with the process's other work (WriteTurns). A stream whose client leaves a
 * chunk unread for EVENTS_FEED_SLOW_CLIENT_GRACE_MS is cut with a comment saying why; it resumes with
 * Last-Event-ID. A stream at the watermark sleeps until the watermark passes it: no query, no timer but its
 * heartbeat.
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
  private readonly graceMs: number;
  private readonly replayRate: number;
  private readonly turns = new WriteTurns();

  constructor(
    private readonly feed: EventsFeedService,
    @Inject(ROOT_LOGGER) logger: Logger,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'feed'>,
  ) {
    this.log = logger.child({ component: 'events-sse' });
    this.graceMs = config.feed.slowClientGraceMs;
    this.replayRate = config.feed.replayRate;
  }

  /** `pacer`: the request's (FeedAdmission); a stream of its own otherwise. */
  /** `filter`: the events the subscriber's token may see (none: all). */
  async serve(after: string | null, res: Response, pacer = new ReplayPacer(this.replayRate), filter?: EventFilter): Promise<void> {
    if (this.shuttingDown) throw shuttingDown();
    const stop = new AbortController();
    const onClose = () => stop.abort();
    // Before the first read: a client that leaves during it would otherwise leave a loop waiting for nobody.
    res.once('close', onClose);
    if (res.destroyed) stop.abort();
    const served = this.run(after, res, stop.signal, pacer, filter);
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
  private async run(after: string | null, res: Response, stop: AbortSignal, pacer: ReplayPacer, filter?: EventFilter): Promise<void> {
    const first = await this.feed.read(after, FEED_READ_ROWS, { waiting: true });
    if (res.destroyed) return;
    if (stop.aborted) throw shuttingDown();
    await this.follow(first, res, stop, pacer, filter);
  }

  private async follow(first: FeedPage, res: Response, stop: AbortSignal, pacer: ReplayPacer, filter?: EventFilter): Promise<void> {
    const sse = new SseWriter(res, this.graceMs, this.turns);
    sse.open(CLIENT_RETRY_MS);
    const position = new StreamPosition(first, filter);
    const heartbeatMs = HEARTBEAT_MS * (1 - HEARTBEAT_SPREAD * Math.random());
    let quietSince = Date.now();
    try {
      while (!stop.aborted) {
        const chunk = position.take();
        if (chunk?.events === 0) continue; // nothing in it the subscriber may see: past it, nothing to write
        if (chunk) {
          // Only a replay (more than a page behind) is paced: a stream near the head gets what was just published at once.
          if (this.feed.behind(chunk.last) > FEED_READ_ROWS) await pacer.take(chunk.events, stop);
          if (stop.aborted || !this.sent(await sse.frames(chunk.bytes), sse)) return;
          quietSince = Date.now();
          continue;
        }
        const page = await this.feed.read(position.after, FEED_READ_ROWS, { waiting: true });
        if (page.count) {
          position.enter(page);
          continue;
        }
        const passed = await this.feed.waitBeyond(position.after, heartbeatMs - (Date.now() - quietSince), stop);
        if (stop.aborted || (!passed && this.feed.draining)) return;
        if (!passed && Date.now() - quietSince >= heartbeatMs) {
          if (!this.sent(await sse.comment('keep-alive'), sse)) return; // keeps proxies from closing an idle stream
          quietSince = Date.now();
        }
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

  /** False when the stream is over: the client left, or it stopped reading and was cut. */
  private sent(outcome: WriteOutcome, sse: SseWriter): boolean {
    if (outcome === 'stalled') {
      const seconds = this.graceMs / 1000;
      this.log.info({ graceMs: this.graceMs }, 'event stream cut: its client left events unread past the grace period');
      sse.cut(`closing: this client left events unread for ${seconds} s (EVENTS_FEED_SLOW_CLIENT_GRACE_MS); reconnect with Last-Event-ID to resume`);
    }
    return outcome === 'written';
  }
}

function shuttingDown(): ServiceUnavailableException {
  return new ServiceUnavailableException('the server is shutting down: reconnect, with Last-Event-ID, in a moment');
}
