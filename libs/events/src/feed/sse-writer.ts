import type { Response } from 'express';
import type { WriteTurns } from './write-turns';

/** How a write ended: the socket took it, the client left, or it sat unread past the grace period. */
export type WriteOutcome = 'written' | 'closed' | 'stalled';

/**
 * Writes a text/event-stream response with backpressure: a write the socket cannot take yet is awaited,
 * so a slow client slows its own reads from the database instead of piling events up in memory. A write
 * still not taken after `graceMs` is reported 'stalled', for the caller to cut the stream.
 */
export class SseWriter {
  constructor(
    private readonly res: Response,
    private readonly graceMs: number,
    /** Where page chunks wait their turn to be written (shared by the process's streams). */
    private readonly turns?: WriteTurns,
  ) {}

  open(retryMs: number): void {
    this.res.status(200);
    this.res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.res.setHeader('Cache-Control', 'no-cache, no-transform');
    this.res.setHeader('Connection', 'keep-alive');
    this.res.setHeader('X-Accel-Buffering', 'no'); // nginx would otherwise buffer the stream
    this.res.flushHeaders();
    void this.write(`retry: ${retryMs}\n\n`);
  }

  /** `data` must be one line: JSON.stringify's output is, and so is Postgres's print of a jsonb. */
  event(id: string | null, type: string, data: string): Promise<WriteOutcome> {
    return this.write(`${id === null ? '' : `id: ${id}\n`}event: ${type}\ndata: ${data}\n\n`);
  }

  /** Already-rendered frames (a FeedPage chunk, shared with other streams: written as is, never copied). */
  async frames(bytes: Buffer): Promise<WriteOutcome> {
    if (!this.turns) return this.write(bytes);
    if (this.res.writableEnded || this.res.destroyed) return 'closed';
    const res = this.res;
    const taken = await this.turns.run(() => !res.writableEnded && !res.destroyed && res.write(bytes));
    return taken ? 'written' : this.drained();
  }

  comment(text: string): Promise<WriteOutcome> {
    return this.write(`: ${text}\n\n`);
  }

  /**
   * Ends a stream whose client stopped reading: the reason goes out as a comment after what it has not read yet
   * (a client that reads again sees it, then the end), and the socket is destroyed after another grace period
   * if the client never reads it, so what it holds is freed either way.
   */
  cut(reason: string): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.res.write(`: ${reason}\n\n`);
    this.res.end();
    const res = this.res;
    const timer = setTimeout(() => res.destroy(), this.graceMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }

  private write(chunk: string | Buffer): Promise<WriteOutcome> {
    if (this.res.writableEnded || this.res.destroyed) return Promise.resolve('closed');
    if (this.res.write(chunk)) return Promise.resolve('written');
    return this.drained();
  }

  /** After a write the socket could not take at once: waits for it to drain, for the client to leave, or the grace. */
  private drained(): Promise<WriteOutcome> {
    if (this.res.writableEnded || this.res.destroyed) return Promise.resolve('closed');
    if (!this.res.writableNeedDrain) return Promise.resolve('written');
    return new Promise((resolve) => {
      const done = (outcome: WriteOutcome) => {
        clearTimeout(timer);
        this.res.off('drain', onDrain);
        this.res.off('close', onClose);
        resolve(outcome);
      };
      const onDrain = () => done('written');
      const onClose = () => done('closed');
      const timer = setTimeout(() => done('stalled'), this.graceMs);
      this.res.once('drain', onDrain);
      this.res.once('close', onClose);
    });
  }
}
