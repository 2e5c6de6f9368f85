import { EventFilter, FeedPage, SseChunk } from './feed-page';

/**
 * Where one SSE stream stands: the page it is writing (shared with every stream at that page, and with the
 * reader's cache) and the next chunk of it. A stream holds at most this one page, whatever its backlog.
 */
export class StreamPosition {
  private chunks: readonly SseChunk[] | null;
  private index = 0;
  private current: string;

  /** `filter`: the events the subscriber's token may see (none: all of them, the shared chunks as they are). */
  constructor(
    first: FeedPage,
    private readonly filter?: EventFilter,
  ) {
    this.current = first.after;
    this.chunks = first.sseChunks(filter);
  }

  /** The sequence of the last event written (or the position the stream started after). */
  get after(): string {
    return this.current;
  }

  /** Starts on a page read after `after`. */
  enter(page: FeedPage): void {
    this.chunks = page.sseChunks(this.filter);
    this.index = 0;
  }

  /** The next chunk to write, moving the position past it; null once the page is written (and let go). */
  take(): SseChunk | null {
    const chunk = this.chunks?.[this.index];
    if (!chunk) {
      this.chunks = null;
      return null;
    }
    this.index++;
    this.current = chunk.last;
    return chunk;
  }
}
