import type { IncomingMessage } from 'node:http';
import type { AccountRecord } from '../store/account.record';
import type { DrawnFault } from '../upstream/fault.types';

export type TwilioRoute = 'services-list' | 'services-fetch' | 'users-list' | 'users-fetch' | 'webhook-config' | 'other';

/** What the simulator's pipeline learns about a Twilio request on its way through. */
export interface SimRequestState {
  route: TwilioRoute;
  account?: AccountRecord;
  /** A fault that shapes the 200 body (truncate, bad-sid, page-loop and the poison pages). */
  bodyFault?: DrawnFault;
  /** The socket was destroyed on purpose (a `reset` fault). */
  reset?: boolean;
}

/** The parts of Express's request the simulator uses (no @types/express in this repo). */
export interface SimRequest extends IncomingMessage {
  originalUrl: string;
  params: Record<string, string>;
  sim?: SimRequestState;
}

const ROUTES: ReadonlyArray<[RegExp, TwilioRoute]> = [
  [/^\/v1\/Services\/?$/, 'services-list'],
  [/^\/v1\/Services\/[^/]+\/?$/, 'services-fetch'],
  [/^\/v1\/Services\/[^/]+\/Users\/?$/, 'users-list'],
  [/^\/v1\/Services\/[^/]+\/Users\/[^/]+\/?$/, 'users-fetch'],
  [/^\/v1\/(Services\/[^/]+\/)?Configuration\/Webhooks\/?$/, 'webhook-config'],
];

export function classifyRoute(path: string): TwilioRoute {
  for (const [pattern, route] of ROUTES) if (pattern.test(path)) return route;
  return 'other';
}

export function splitUrl(req: SimRequest): { path: string; search: string } {
  const url = req.originalUrl ?? req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? { path: url, search: '' } : { path: url.slice(0, q), search: url.slice(q + 1) };
}

/** Page URLs are absolute and built from the request's own origin, as Twilio's are. */
export function requestOrigin(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host;
  return host ? `http://${host}` : fallback;
}
