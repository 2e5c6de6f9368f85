import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A crafted answer, or a change to the upstream's own answer. */
export type ProxyAnswer =
  | { kind: 'answer'; status: number; body: string; headers?: Record<string, string> }
  | { kind: 'rewrite'; rewrite: (body: string) => string };

export interface ProxyRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** Decides per request: a crafted answer (counted under `label`), or null to pass the request through untouched. */
export type ProxyRule = (req: ProxyRequest) => { label: string; answer: ProxyAnswer } | null;

/**
 * A tiny HTTP proxy between the mirror and the simulator: passes every request through (Host kept, so the
 * simulator writes page URLs on the proxy's origin), except those a rule answers with a crafted body, as a
 * misbehaving upstream or a middlebox would.
 */
export class EchoProxy {
  rule: ProxyRule = () => null;
  /** How many times each rule label was served. */
  readonly served = new Map<string, number>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(upstream: string): Promise<EchoProxy> {
    const target = new URL(upstream);
    let self: EchoProxy | null = null;
    const server = http.createServer((req, res) => self!.handle(req, res, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new EchoProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, target: URL): void {
    const seen: ProxyRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    const hit = this.rule(seen);
    if (hit) this.served.set(hit.label, (this.served.get(hit.label) ?? 0) + 1);
    if (hit?.answer.kind === 'answer') {
      req.resume();
      res.writeHead(hit.answer.status, { 'content-type': 'application/json', ...hit.answer.headers });
      res.end(hit.answer.body);
      return;
    }
    const rewrite = hit?.answer.kind === 'rewrite' ? hit.answer.rewrite : null;
    const out = http.request(
      { host: target.hostname, port: target.port, method: seen.method, path: seen.url, headers: req.headers },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const body = rewrite ? rewrite(text) : text;
          const headers = { ...up.headers };
          delete headers['content-length'];
          delete headers['transfer-encoding'];
          res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': Buffer.byteLength(body) });
          res.end(body);
        });
        up.on('error', () => res.destroy());
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
