import { APP_CONFIG, AppConfig } from '@app/config';
import { BadRequestException, GoneException, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { toStructuredJson } from '../cloud-event';
import { RelayRow } from '../user-event-row';
import { EventsFeedRepository } from './events-feed.repository';
import { PublicationListener } from './publication-listener.service';

/** How often a waiting request looks again even without a NOTIFY (one lost while reconnecting). */
export const FEED_FALLBACK_POLL_MS = 250;

export interface FeedRead {
  /** `data` still Postgres's JSON text: written with toStructuredJson, as the relay writes the stream. */
  rows: RelayRow[];
  /** Where the next read starts: the last row's sequence, or the (resolved) `after` when there was none. */
  nextAfter: string;
}

/** A long-poll answer as JSON text, in EventsPageDto's shape: `{events, next_after}`. */
export function feedPageJson(read: FeedRead): string {
  return `{"events":[${read.rows.map(toStructuredJson).join(',')}],"next_after":${JSON.stringify(read.nextAfter)}}`;
}

/**
 * The change feed: published events after a sequence, from user_events. Only published ones, because page
 * commits do not wait for the WAL flush and the relay is what makes events durable before anyone sees them;
 * it announces each mark, so the feed lags the stream by one mark. Sequences are gap-free, so a gap right after
 * `after` can only mean pruned events: the consumer missed them and is told so (410), never skipped ahead. An
 * `after` beyond the last sequence ever assigned cannot come from this database (the position is another
 * database's, or this one was reset): waiting would answer nothing forever, so the consumer is told (400).
 */
@Injectable()
export class EventsFeedService {
  private readonly events: EventsFeedRepository;

  constructor(
    @InjectDataSource() ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly notifier: PublicationListener,
  ) {
    this.events = new EventsFeedRepository((sql, params) => ds.query(sql, params));
  }

  /** Long-poll: answers as soon as there is an event after `after`, or empty after `waitMs`; see feedPageJson. */
  async pageJson(after: string | null, limit: number, waitMs: number, signal?: AbortSignal): Promise<string> {
    const deadline = Date.now() + waitMs;
    let cursor = after;
    for (;;) {
      const read = await this.read(cursor, limit);
      const left = deadline - Date.now();
      if (read.rows.length || left <= 0 || signal?.aborted) {
        return feedPageJson(read);
      }
      cursor = read.nextAfter;
      await this.notifier.wait(Math.min(left, FEED_FALLBACK_POLL_MS), signal);
    }
  }

  /** One read, no waiting. Throws 410 when events right after `after` were pruned, 400 when `after` is beyond the last. */
  async read(after: string | null, limit: number): Promise<FeedRead> {
    const rows = await this.events.publishedAfter(after, limit);
    if (rows.length) {
      if (after !== null && BigInt(rows[0].sequence) !== BigInt(after) + 1n) throw await this.gone(after);
      return { rows, nextAfter: rows[rows.length - 1].sequence };
    }
    const retained = await this.events.retainedWindow();
    if (after === null) return { rows: [], nextAfter: String(retained.from - 1n) };
    if (BigInt(after) > retained.last) throw this.ahead(after, retained.last);
    if (BigInt(after) + 1n < retained.from) throw await this.gone(after);
    return { rows: [], nextAfter: after };
  }

  /** Resolves when events may have been published (or after `ms`, or on abort). */
  waitForPublication(ms: number, signal?: AbortSignal): Promise<void> {
    return this.notifier.wait(ms, signal);
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
