import { APP_CONFIG, AppConfig } from '@app/config';
import { BadRequestException, GoneException, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventsFeedRepository } from './events-feed.repository';
import { EventFilter, FeedPage } from './feed-page';
import { FEED_READ_ROWS, FeedPageReader } from './feed-page-reader';
import { PublicationListener } from './publication-listener.service';
import type { ReplayPacer } from './replay-pacer';

export interface ReadOptions {
  /**
   * The caller waits for events when there are none (SSE, a long-poll with `wait`): a position at the published
   * watermark then answers empty without a query. A read that answers at once (`wait=0`) always asks Postgres,
   * since this process may learn of a publication a moment after a client did.
   */
  waiting?: boolean;
}

/**
 * The change feed: published events after a sequence, from user_events. Only published ones, because page
 * commits do not wait for the WAL flush and the relay is what makes events durable before anyone sees them;
 * it announces each mark, so the feed lags the stream by one mark. Sequences are gap-free, so a gap right after
 * `after` can only mean pruned events: the consumer missed them and is told so (410), never skipped ahead. An
 * `after` beyond the last sequence ever assigned cannot come from this database (the position is another
 * database's, or this one was reset): waiting would answer nothing forever, so the consumer is told (400).
 *
 * Waiting costs no query: waiters sleep on the process's published watermark (PublicationListener) until it
 * passes their position, and the reads they then make are shared (FeedPageReader).
 */
@Injectable()
export class EventsFeedService {
  private readonly events: EventsFeedRepository;
  private readonly pages: FeedPageReader;

  constructor(
    @InjectDataSource() ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly publications: PublicationListener,
  ) {
    this.events = new EventsFeedRepository((sql, params) => ds.query(sql, params));
    this.pages = new FeedPageReader(this.events);
  }

  /** Page queries sent to Postgres (shared reads count once), for tests. */
  get readQueryCount(): number {
    return this.pages.queryCount;
  }

  /**
   * Long-poll: answers as soon as there is an event after `after`, or empty after `waitMs`, as JSON text in
   * EventsPageDto's shape. `pacer` holds a replaying client to its rate.
   */
  async pageJson(after: string | null, limit: number, waitMs: number, signal?: AbortSignal, pacer?: ReplayPacer, filter?: EventFilter): Promise<string> {
    const deadline = Date.now() + waitMs;
    let page = await this.read(after, limit, { waiting: waitMs > 0 });
    while (!page.count && !signal?.aborted) {
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.waitBeyond(page.nextAfter, left, signal))) break;
      page = await this.read(page.nextAfter, limit, { waiting: true });
    }
    // Only a replay (more than a page behind) is paced: a long-poll near the head gets what was just published at once.
    if (page.count && pacer && this.behind(page.nextAfter) > FEED_READ_ROWS) await pacer.take(page.count, signal);
    return page.json(filter);
  }

  /** One read, no waiting. Throws 410 when events right after `after` were pruned, 400 when `after` is beyond the last. */
  async read(after: string | null, limit: number, options: ReadOptions = {}): Promise<FeedPage> {
    const position = after === null ? null : BigInt(after);
    const watermark = this.publications.watermark;
    // At the watermark nothing can be pruned (only published events are) nor beyond the last: no question to ask.
    if (options.waiting && position !== null && position === watermark) return FeedPage.empty(String(position));

    const page = (await this.pages.read(position === null ? null : String(position))).head(limit);
    if (page.count) {
      if (position !== null && BigInt(page.sequences[0]) !== position + 1n) throw await this.gone(String(position));
      return page;
    }
    const retained = await this.events.retainedWindow();
    if (position === null) return FeedPage.empty(String(retained.from - 1n));
    if (position > retained.last) throw this.ahead(String(position), retained.last);
    if (position + 1n < retained.from) throw await this.gone(String(position));
    // Nothing after a position below the watermark: the watermark this process holds is not the database's
    // (it was reset under it). Take the database's, or waiters there would wake, read nothing, and wake again.
    if (watermark !== null && position < watermark && retained.publishedThrough < watermark) {
      this.publications.resync(retained.publishedThrough);
    }
    return FeedPage.empty(String(position));
  }

  /** The process is shutting down: waits end at once, so waiting callers must stop rather than wait again. */
  get draining(): boolean {
    return this.publications.isDraining;
  }

  /** How many published events lie beyond `after` (0 at or past the watermark, or before it is known). */
  behind(after: string): number {
    const watermark = this.publications.watermark;
    return watermark === null ? 0 : Math.max(0, Number(watermark - BigInt(after)));
  }

  /** Resolves true once events after `after` are published, false after `ms` or on abort. */
  waitBeyond(after: string, ms: number, signal?: AbortSignal): Promise<boolean> {
    return this.publications.waitBeyond(BigInt(after), ms, signal);
  }

  private ahead(after: string, last: bigint): BadRequestException {
    return new BadRequestException({
      statusCode: 400,
      error: 'Bad Request',
      message:
        `after ${after} is beyond the last event sequence, ${last}: this position comes from another database or one that was reset. ` +
        'Re-read the users from the read API, then follow the feed from a current sequence (omit `after` to start at the oldest retained).',
      last_sequence: String(last),
    });
  }

  private async gone(after: string): Promise<GoneException> {
    const oldest = String((await this.events.retainedWindow()).from);
    return new GoneException({
      statusCode: 410,
      error: 'Gone',
      message:
        `events after sequence ${after} are no longer retained (EVENTS_RETENTION_HOURS=${this.config.events.retentionHours}); ` +
        `the oldest retained event is ${oldest}. ` +
        'Re-read the users from the read API, then follow the feed from a current sequence (omit `after` to start at the oldest retained).',
      oldest_retained: oldest,
    });
  }
}
