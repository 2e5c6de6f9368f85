import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { toStructuredJson } from '../cloud-event';
import type { RelayRow } from '../user-event-row';

/** SSE frames are cut into chunks of about this size, each its own Buffer: what one stream holds unsent at most. */
const SSE_CHUNK_BYTES = 128 * 1024;
const COMMA = Buffer.from(',');
/**
 * Building an event's CloudEvent JSON costs about 10 µs: a page of 1,000 is 10–50 ms of the event loop, which the
 * read API's requests would wait behind. Rendering yields to them at least this often.
 */
const RENDER_SLICE_MS = 4;

/** Which events a subscriber may see (its token's scope), by the event's account and service. */
export type EventFilter = (accountSid: string, serviceSid: string) => boolean;

export interface SseChunk {
  bytes: Buffer;
  /** Events in the chunk, for the replay pacer. */
  events: number;
  /** The sequence of its last event: where the stream stands once the chunk is written. */
  last: string;
}

/**
 * A run of consecutive published events, rendered once and shared by every subscriber that reads it. It is kept
 * in one form only, the SSE frames (`id` = sequence, what EventSource sends back as Last-Event-ID; `event` = the
 * CloudEvent type; `data` = its JSON), as Buffers of about 128 KB that every stream writes as they are (a socket
 * write keeps a reference to a Buffer, never a copy). A long-poll answer is cut from the same bytes: each event's
 * JSON is where its `data` line is. So a thousand subscribers at one position cost one rendering and one copy.
 * A subscriber whose token sees only some accounts or services gets views of the same bytes without the others.
 */
export class FeedPage {
  private constructor(
    /** The position before the first event (the `after` it answers). */
    readonly after: string,
    readonly sequences: readonly string[],
    private readonly chunks: readonly SseChunk[],
    /** Per event: its chunk, where its SSE frame starts, where its JSON starts and ends in it. */
    private readonly data: Int32Array,
    /** Per event: its account and service (what a token's scope is checked against). */
    private readonly owners: readonly (readonly [string, string])[],
    /** Events of this view (a long-poll's `limit` may take fewer than the page holds). */
    readonly count: number,
  ) {}

  static async render(after: string, rows: RelayRow[]): Promise<FeedPage> {
    const chunks: SseChunk[] = [];
    const data = new Int32Array(rows.length * 4);
    let pending: { head: string; json: string }[] = [];
    let size = 0;
    let event = 0;
    const flush = (last: string) => {
      const bytes = Buffer.allocUnsafe(size);
      let at = 0;
      for (const { head, json } of pending) {
        data[event * 4] = chunks.length;
        data[event * 4 + 1] = at;
        at += bytes.write(head, at, 'latin1'); // "id: …\nevent: …\ndata: " is ASCII
        data[event * 4 + 2] = at;
        at += bytes.write(json, at, 'utf8');
        data[event * 4 + 3] = at;
        at += bytes.write('\n\n', at, 'latin1');
        event++;
      }
      chunks.push({ bytes, events: pending.length, last });
      pending = [];
      size = 0;
    };
    let sliceEnd = performance.now() + RENDER_SLICE_MS;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const head = `id: ${row.sequence}\nevent: ${row.type}\ndata: `;
      const json = toStructuredJson(row);
      pending.push({ head, json });
      size += head.length + Buffer.byteLength(json, 'utf8') + 2;
      if (size >= SSE_CHUNK_BYTES || i === rows.length - 1) flush(row.sequence);
      if (performance.now() >= sliceEnd) {
        await nextTurn();
        sliceEnd = performance.now() + RENDER_SLICE_MS;
      }
    }
    return new FeedPage(
      after,
      rows.map((r) => r.sequence),
      chunks,
      data,
      rows.map((r) => [r.account_sid, r.service_sid] as const),
      rows.length,
    );
  }

  static empty(after: string): FeedPage {
    return new FeedPage(after, [], [], new Int32Array(0), [], 0);
  }

  /** Where the next read starts: the last event's sequence, or `after` when there is none. */
  get nextAfter(): string {
    return this.count ? this.sequences[this.count - 1] : this.after;
  }

  /** Memory held by the rendered events. */
  get bytes(): number {
    let n = this.data.byteLength + this.sequences.length * 32;
    for (const c of this.chunks) n += c.bytes.length;
    return n;
  }

  /** The first `n` events, for a long-poll's `limit` (shares the rendered bytes). */
  head(n: number): FeedPage {
    if (n >= this.count) return this;
    return new FeedPage(this.after, this.sequences, this.chunks, this.data, this.owners, n);
  }

  /**
   * A long-poll answer, in EventsPageDto's shape: `{events, next_after}`, each event the same JSON as its SSE `data`.
   * With `filter`, only the events it lets through; `next_after` is still where this page ends, so a client whose
   * accounts are quiet moves on past the others' events.
   */
  json(filter?: EventFilter): string {
    const parts: Buffer[] = [Buffer.from('{"events":[')];
    let written = 0;
    for (let i = 0; i < this.count; i++) {
      if (filter && !filter(...this.owners[i])) continue;
      if (written++) parts.push(COMMA);
      const [chunk, start, end] = [this.data[i * 4], this.data[i * 4 + 2], this.data[i * 4 + 3]];
      parts.push(this.chunks[chunk].bytes.subarray(start, end));
    }
    parts.push(Buffer.from(`],"next_after":${JSON.stringify(this.nextAfter)}}`));
    return Buffer.concat(parts).toString('utf8');
  }

  /**
   * The SSE frames, in chunks of about 128 KB (the whole page: a view cut by head() is for long-polls only). With
   * `filter`, each chunk holds only the frames it lets through (maybe none: the stream still moves past it).
   */
  sseChunks(filter?: EventFilter): readonly SseChunk[] {
    if (this.count !== this.sequences.length) throw new Error('sseChunks() of a page cut by head()');
    if (!filter) return this.chunks;
    const views: SseChunk[] = this.chunks.map((c) => ({ bytes: c.bytes.subarray(0, 0), events: 0, last: c.last }));
    const frames: Buffer[][] = this.chunks.map(() => []);
    for (let i = 0; i < this.count; i++) {
      if (!filter(...this.owners[i])) continue;
      const chunk = this.data[i * 4];
      frames[chunk].push(this.chunks[chunk].bytes.subarray(this.data[i * 4 + 1], this.data[i * 4 + 3] + 2)); // + "\n\n"
      views[chunk].events++;
    }
    return views.map((v, c) => (v.events === this.chunks[c].events ? this.chunks[c] : { ...v, bytes: Buffer.concat(frames[c]) }));
  }
}
