import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

/**
 * A reverse proxy as one stands in front of the mirror: it takes requests on its own host, port and path, and
 * forwards them to the mirror's /webhooks/twilio (another host, port and path), query and body untouched. The
 * URL Twilio calls, and signs, is the proxy's; the mirror sees another.
 */
export class RewritingProxy {
  target = '';
  requests = 0;

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<RewritingProxy> {
    let proxy: RewritingProxy | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        proxy!.requests++;
        const url = req.url ?? '/';
        const q = url.indexOf('?');
        const headers: Record<string, string> = {};
        for (const name of ['content-type', 'x-twilio-signature', 'i-twilio-idempotency-token', 'user-agent']) {
          const v = req.headers[name];
          if (typeof v === 'string') headers[name] = v;
        }
        request(`${proxy!.target}/webhooks/twilio${q < 0 ? '' : url.slice(q)}`, {
          method: req.method as 'GET' | 'POST',
          headers,
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        }).then(
          async (r) => {
            const body = await r.body.text();
            res.writeHead(r.statusCode, { 'content-type': String(r.headers['content-type'] ?? 'text/plain'), 'x-webhook-outcome': String(r.headers['x-webhook-outcome'] ?? '') });
            res.end(body);
          },
          () => {
            res.writeHead(502);
            res.end();
          },
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    proxy = new RewritingProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return proxy;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
