import pLimit from 'p-limit';
import { EventsFeedRepository } from './events-feed.repository';
import { FeedPage } from './feed-page';

/** Rows one read fetches: the largest long-poll `limit`, so one read serves every subscriber at a position. */
export const FEED_READ_ROWS = 1000;
/** Full pages kept for subscribers that come by the same position a little later (a replay, a lagging stream). */
const CACHE_BYTES = 64 * 1024 * 1024;
/**
 * Page queries at once. They share the pool of the read API, whose queries must not queue behind a crowd of
 * replays; distinct positions wait their turn here instead (subscribers at one position share one query anyway).
 */
const CONCURRENT_READS = 3;

/**
 * The feed's reads, shared. Subscribers waiting at one position all wake at one publication and ask for the same
 * page in the same tick: they get one query between them. A full page (FEED_READ_ROWS events) can never change, so
 * it is also kept, within a memory budget, for the subscribers replaying behind. A short page is never kept: it
 * grows as events are published.
 */
export class FeedPageReader {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** Insertion order is recency: a hit moves its page to the end, eviction takes from the front. */
  private readonly cache = new Map<string, FeedPage>();
  private cachedBytes = 0;
  private reads = 0;
  private readonly limit = pLimit(CONCURRENT_READS);

  constructor(
    private readonly events: EventsFeedRepository,
    private readonly cacheBytes = CACHE_BYTES,
  ) {}

  /** Queries sent, for tests that count them. */
  get queryCount(): number {
    return this.reads;
  }

  /** Up to FEED_READ_ROWS published events after `after` (null: from the oldest retained). */
  async read(after: string | null): Promise<FeedPage> {
    // "From the oldest" is a position like any other once known: subscribers opened without `after` share its pages.
    const position = after ?? (await this.shared('before-oldest', () => this.events.beforeOldest()));
    return this.page(position);
  }

  private page(after: string | null): Promise<FeedPage> {
    const key = after ?? 'oldest';
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return Promise.resolve(cached);
    }
    return this.shared(key, () => this.limit(() => this.query(after)));
  }

  /** One query for every caller asking the same thing while it runs. */
  private shared<T>(key: string, run: () => Promise<T>): Promise<T> {
    let pending = this.inFlight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = run().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async query(after: string | null): Promise<FeedPage> {
    this.reads++;
    const rows = await this.events.publishedAfter(after, FEED_READ_ROWS);
    const from = after ?? (rows.length ? String(BigInt(rows[0].sequence) - 1n) : null);
    if (from === null) return FeedPage.empty('0'); // empty outbox, no position: the caller resolves it
    const page = await FeedPage.render(from, rows);
    // Under the position it answers, so readers "from the oldest" feed the cache of those that follow them.
    if (page.count === FEED_READ_ROWS) this.keep(from, page);
    return page;
  }

  private keep(key: string, page: FeedPage): void {
    if (this.cache.has(key)) return;
    const size = page.bytes;
    if (size > this.cacheBytes / 4) return;
    this.cache.set(key, page);
    this.cachedBytes += size;
    for (const [k, p] of this.cache) {
      if (this.cachedBytes <= this.cacheBytes) break;
      this.cache.delete(k);
      this.cachedBytes -= p.bytes;
    }
  }
}
