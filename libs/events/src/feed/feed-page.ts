import { toStructuredJson } from '../cloud-event';
import type { RelayRow } from '../user-event-row';

/** SSE frames are cut into chunks of about this size, each its own Buffer: what one stream holds unsent at most. */
const SSE_CHUNK_BYTES = 128 * 1024;

export interface SseChunk {
  bytes: Buffer;
  /** Events in the chunk, for the replay pacer. */
  events: number;
}

/**
 * A run of consecutive published events, rendered once and shared by every subscriber that reads it: each event's
 * CloudEvent JSON is built once, and its SSE frames are one set of Buffers that every stream writes as they are
 * (a socket write keeps a reference to a Buffer, never a copy), so a thousand subscribers at one position cost one
 * rendering, not a thousand.
 */
export class FeedPage {
  private chunks: SseChunk[] | null = null;

  private constructor(
    /** The position before the first event (the `after` it answers). */
    readonly after: string,
    readonly sequences: readonly string[],
    private readonly types: readonly string[],
    /** Each event's structured JSON, the same text the relay puts on the stream. */
    readonly events: readonly string[],
  ) {}

  static of(after: string, rows: RelayRow[]): FeedPage {
    return new FeedPage(
      after,
      rows.map((r) => r.sequence),
      rows.map((r) => r.type),
      rows.map(toStructuredJson),
    );
  }

  static empty(after: string): FeedPage {
    return new FeedPage(after, [], [], []);
  }

  get count(): number {
    return this.sequences.length;
  }

  /** Where the next read starts: the last event's sequence, or `after` when there is none. */
  get nextAfter(): string {
    return this.count ? this.sequences[this.count - 1] : this.after;
  }

  /** Approximate memory held (UTF-16 strings, plus the SSE Buffers once rendered). */
  get bytes(): number {
    let n = 0;
    for (const e of this.events) n += e.length * 2 + 64;
    if (this.chunks) for (const c of this.chunks) n += c.bytes.length;
    return n;
  }

  /** The first `n` events (shares the rendered JSON). */
  head(n: number): FeedPage {
    if (n >= this.count) return this;
    return new FeedPage(this.after, this.sequences.slice(0, n), this.types.slice(0, n), this.events.slice(0, n));
  }

  /** A long-poll answer, in EventsPageDto's shape: `{events, next_after}`. */
  json(): string {
    return `{"events":[${this.events.join(',')}],"next_after":${JSON.stringify(this.nextAfter)}}`;
  }

  /** `id` = sequence (what EventSource sends back as Last-Event-ID), `event` = the CloudEvent type, `data` = its JSON. */
  sseChunks(): SseChunk[] {
    if (this.chunks) return this.chunks;
    const chunks: SseChunk[] = [];
    let frames: string[] = [];
    let size = 0;
    for (let i = 0; i < this.count; i++) {
      const frame = `id: ${this.sequences[i]}\nevent: ${this.types[i]}\ndata: ${this.events[i]}\n\n`;
      frames.push(frame);
      size += frame.length;
      if (size >= SSE_CHUNK_BYTES) {
        chunks.push({ bytes: Buffer.from(frames.join(''), 'utf8'), events: frames.length });
        frames = [];
        size = 0;
      }
    }
    if (frames.length) chunks.push({ bytes: Buffer.from(frames.join(''), 'utf8'), events: frames.length });
    this.chunks = chunks;
    return chunks;
  }
}
