import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1:0 standing in for Twilio, so client tests go through undici, sockets and
 * timeouts for real while the upstream's behaviour is scripted per test.
 */
export interface SeenRequest {
  method: string;
  /** Path and query exactly as they arrived on the wire. */
  url: string;
  headers: http.IncomingHttpHeaders;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, base: string) => void;

export class FakeUpstream {
  readonly requests: SeenRequest[] = [];
  handler: Handler = (_req, res) => json(res, 500, { message: 'no handler' });

  private constructor(
    private readonly server: http.Server,
    readonly base: string,
  ) {}

  static async start(handler?: Handler): Promise<FakeUpstream> {
    let self: FakeUpstream | null = null;
    const server = http.createServer((req, res) => {
      self!.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      self!.handler(req, res, self!.base);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new FakeUpstream(server, `http://127.0.0.1:${port}`);
    if (handler) self.handler = handler;
    return self;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function raw(res: http.ServerResponse, status: number, text: string, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

const hex32 = (n: number) => n.toString(16).padStart(32, '0');

export const ACCOUNT_SID = `AC${hex32(0xac)}`;
export const AUTH_TOKEN = 'tok_5ecret_7f3a9c1e2b4d6f80';
export const SERVICE_SID = `IS${hex32(0x15)}`;
export const OTHER_SERVICE_SID = `IS${hex32(0x16)}`;
export const ROLE_SID = `RL${hex32(0x71)}`;
export const userSid = (n: number) => `US${hex32(n)}`;

export function twilioUser(n: number, base: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const sid = userSid(n);
  return {
    sid,
    account_sid: ACCOUNT_SID,
    chat_service_sid: SERVICE_SID,
    role_sid: ROLE_SID,
    identity: `user-${n}@example.com`,
    friendly_name: `User ${n}`,
    attributes: JSON.stringify({ team: 'support', n }),
    is_online: null,
    is_notifiable: null,
    date_created: '2019-12-16T22:18:37Z',
    date_updated: '2019-12-16T22:18:38Z',
    url: `${base}/v1/Services/${SERVICE_SID}/Users/${sid}`,
    links: { user_conversations: `${base}/v1/Services/${SERVICE_SID}/Users/${sid}/Conversations` },
    ...overrides,
  };
}

export function usersPage(users: unknown[], url: string, nextPageUrl: string | null, meta: Record<string, unknown> = {}) {
  return {
    users,
    meta: {
      page: 0,
      page_size: 50,
      first_page_url: url,
      previous_page_url: null,
      url,
      next_page_url: nextPageUrl,
      key: 'users',
      ...meta,
    },
  };
}

/** Collects warn calls the way pino would receive them. */
export function recordingLogger() {
  const calls: Array<{ obj: object; msg: string }> = [];
  return { calls, warn: (obj: object, msg: string) => void calls.push({ obj, msg }) };
}
