import { FeedPage, SseChunk } from './feed-page';

/**
 * Where one SSE stream stands: the page it is writing (shared with every stream at that page, and with the
 * reader's cache) and the next chunk of it. A stream holds at most this one page, whatever its backlog.
 */
export class StreamPosition {
  private page: FeedPage | null;
  private index = 0;
  private current: string;

  constructor(first: FeedPage) {
    this.current = first.after;
    this.page = first;
  }

  /** The sequence of the last event written (or the position the stream started after). */
  get after(): string {
    return this.current;
  }

  /** Starts on a page read after `after`. */
  enter(page: FeedPage): void {
    this.page = page;
    this.index = 0;
  }

  /** The next chunk to write, moving the position past it; null once the page is written (and let go). */
  take(): SseChunk | null {
    const chunk = this.page?.sseChunks()[this.index];
    if (!chunk) {
      this.page = null;
      return null;
    }
    this.index++;
    this.current = chunk.last;
    return chunk;
  }
}
