import type { Request } from 'express';

// A Host header is client input: only a plain host[:port] may end up in the URLs we hand back.
const SAFE_HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * The origin the client used to reach us, for absolute URLs in responses (Twilio's url, links, meta).
 * Behind a proxy named by TRUST_PROXY, Express reads the protocol and host from X-Forwarded-Proto/-Host;
 * otherwise those headers are ignored.
 */
export function requestOrigin(req: Request): string {
  const protocol = req.protocol === 'https' ? 'https' : 'http';
  const host = req.host;
  if (typeof host === 'string' && SAFE_HOST.test(host)) return `${protocol}://${host}`;
  const port = req.socket.localPort;
  return `${protocol}://127.0.0.1${port ? `:${port}` : ''}`;
}
