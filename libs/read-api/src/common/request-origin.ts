import type { Request } from 'express';

// A Host header is client input: only a plain host[:port] may end up in the URLs we hand back.
const SAFE_HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** The origin the client used to reach us, for absolute URLs in responses (Twilio's url, links, meta). */
export function requestOrigin(req: Request): string {
  const host = req.headers.host;
  if (typeof host === 'string' && SAFE_HOST.test(host)) return `${req.protocol}://${host}`;
  const port = req.socket.localPort;
  return `${req.protocol}://127.0.0.1${port ? `:${port}` : ''}`;
}
