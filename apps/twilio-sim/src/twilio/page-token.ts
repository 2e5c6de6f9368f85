import { isSid, type SidPrefix } from '../common/sid';

/** Where a page starts: strictly after, or strictly before, a sid; `page` is the page index it was issued for. */
export interface PageCursor {
  page: number;
  direction: 'after' | 'before';
  sid: string;
}

const MAX_PAGE = 99_999_999;

/**
 * `PT` + base64url("<scope>:<page>:<a|b>:<sid>"). The scope (service sid, or account sid for the services
 * list) stops a token from one list being replayed on another.
 */
export function encodePageToken(scope: string, cursor: PageCursor): string {
  const payload = `${scope}:${cursor.page}:${cursor.direction === 'after' ? 'a' : 'b'}:${cursor.sid}`;
  return `PT${Buffer.from(payload, 'latin1').toString('base64url')}`;
}

/** Strict: anything that is not exactly what encodePageToken produced for this scope is rejected (null). */
export function decodePageToken(scope: string, itemPrefix: SidPrefix, token: string): PageCursor | null {
  if (!/^PT[A-Za-z0-9_-]{1,200}$/.test(token)) return null;
  const payload = Buffer.from(token.slice(2), 'base64url').toString('latin1');
  const parts = payload.split(':');
  if (parts.length !== 4) return null;
  const [tokenScope, pageText, direction, sid] = parts as [string, string, string, string];
  if (tokenScope !== scope || !/^[1-9]\d{0,7}$/.test(pageText) || (direction !== 'a' && direction !== 'b')) return null;
  if (!isSid(itemPrefix, sid)) return null;
  const page = Number(pageText);
  if (page > MAX_PAGE) return null;
  const cursor: PageCursor = { page, direction: direction === 'a' ? 'after' : 'before', sid };
  // Re-encoding must give the same text: rejects non-canonical base64 and padding tricks.
  return encodePageToken(scope, cursor) === token ? cursor : null;
}
