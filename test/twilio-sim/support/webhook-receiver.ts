import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got, with what a Twilio signature check needs. */
export interface ReceivedWebhook {
  method: string;
  /** The full URL the simulator requested (origin + path + query), as a receiver reconstructs it. */
  url: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Body parameters of a POST, or the query parameters of a GET. */
  params: Record<string, string>;
  at: number;
}

/** What the receiver answers: a status, or `hang` (never answer, until the receiver closes). */
export type ReceiverAnswer = number | 'hang';

/** A local HTTP server standing for the mirror's webhook endpoint. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  answer: ReceiverAnswer = 200;
  private readonly hanging = new Set<ServerResponse>();

  private constructor(private readonly server: Server, readonly origin: string) {}

  static async start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => receiver!.record(req.method ?? '', req.url ?? '/', req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return receiver;
  }

  url(path = '/hooks'): string {
    return `${this.origin}${path}`;
  }

  /** Waits, polling, until at least `count` webhooks arrived; fails after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} webhooks, got ${this.received.length}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.received;
  }

  clear(): void {
    this.received.length = 0;
  }

  /** Cuts the connections of the requests left hanging, as a receiver that crashed mid-request would. */
  dropHanging(): void {
    for (const res of this.hanging) res.socket?.destroy();
    this.hanging.clear();
  }

  async close(): Promise<void> {
    this.dropHanging();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private record(method: string, path: string, headers: IncomingHttpHeaders, rawBody: string, res: ServerResponse): void {
    const url = `${this.origin}${path}`;
    const source = method === 'GET' ? new URL(url).searchParams : new URLSearchParams(rawBody);
    this.received.push({ method, url, headers, rawBody, params: Object.fromEntries(source), at: performance.now() });
    if (this.answer === 'hang') {
      this.hanging.add(res);
      return;
    }
    res.writeHead(this.answer, { 'Content-Type': 'text/plain' });
    res.end('ok');
  }
}

/** Polls `check` every 10 ms until it holds; fails after `timeoutMs` with `what`. */
export async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
