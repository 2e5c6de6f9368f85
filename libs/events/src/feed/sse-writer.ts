import type { Response } from 'express';

/**
 * Writes a text/event-stream response with backpressure: a write the socket cannot take yet is awaited,
 * so a slow client slows its own reads from the database instead of piling events up in memory.
 */
export class SseWriter {
  constructor(private readonly res: Response) {}

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
  event(id: string | null, type: string, data: string): Promise<void> {
    return this.write(`${id === null ? '' : `id: ${id}\n`}event: ${type}\ndata: ${data}\n\n`);
  }

  comment(text: string): Promise<void> {
    return this.write(`: ${text}\n\n`);
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }

  private write(chunk: string): Promise<void> {
    if (this.res.writableEnded || this.res.destroyed) return Promise.resolve();
    if (this.res.write(chunk)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
    });
  }
}
