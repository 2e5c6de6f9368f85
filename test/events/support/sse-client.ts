import http from 'node:http';

export interface SseMessage {
  id: string | null;
  event: string | null;
  data: string;
}

export interface SseConnection {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body as text when the answer was not an event stream (e.g. a 410). */
  body: Promise<string>;
  /** Resolves with the next `n` messages (comments skipped). */
  next(n: number, timeoutMs?: number): Promise<SseMessage[]>;
  close(): void;
}

/** A minimal EventSource for tests: parses id/event/data frames as they arrive. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      res.setEncoding('utf8');
      const queue: SseMessage[] = [];
      let waiter: (() => void) | null = null;
      let buffer = '';
      let raw = '';
      const body = new Promise<string>((done) => res.on('end', () => done(raw)));
      res.on('data', (chunk: string) => {
        raw += chunk.length < 100_000 ? chunk : '';
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const msg: SseMessage = { id: null, event: null, data: '' };
          let hasData = false;
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') msg.id = value;
            else if (field === 'event') msg.event = value;
            else if (field === 'data') {
              msg.data += (hasData ? '\n' : '') + value;
              hasData = true;
            }
          }
          if (hasData) queue.push(msg);
        }
        waiter?.();
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body,
        async next(n, timeoutMs = 10_000) {
          const deadline = Date.now() + timeoutMs;
          while (queue.length < n) {
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`SSE: got ${queue.length} of ${n} messages before the timeout`);
            await new Promise<void>((r) => {
              const t = setTimeout(r, left);
              waiter = () => {
                clearTimeout(t);
                waiter = null;
                r();
              };
            });
          }
          return queue.splice(0, n);
        },
        close() {
          req.destroy();
        },
      });
    });
    req.on('error', reject);
  });
}
