import { isSid } from '../common/sids';

/** Where a Twilio-surface page starts: strictly after or before a sid; `page` is the index it was issued for. */
export interface TwilioPageCursor {
  page: number;
  direction: 'after' | 'before';
  sid: string;
}

export const MAX_PAGE = 99_999_999;

/** `PT` + base64url("<service sid>:<page>:<a|b>:<user sid>"): opaque to clients, bound to one service's list. */
export function encodePageToken(serviceSid: string, c: TwilioPageCursor): string {
  return `PT${Buffer.from(`${serviceSid}:${c.page}:${c.direction === 'after' ? 'a' : 'b'}:${c.sid}`, 'latin1').toString('base64url')}`;
}

/** Strict: only what encodePageToken produced for this service decodes; anything else is null. */
export function decodePageToken(serviceSid: string, token: string): TwilioPageCursor | null {
  if (!/^PT[A-Za-z0-9_-]{1,200}$/.test(token)) return null;
  const parts = Buffer.from(token.slice(2), 'base64url').toString('latin1').split(':');
  if (parts.length !== 4) return null;
  const [scope, pageText, dir, sid] = parts;
  if (scope !== serviceSid || !/^\d{1,8}$/.test(pageText) || (dir !== 'a' && dir !== 'b') || !isSid('US', sid)) return null;
  const cursor: TwilioPageCursor = { page: Number(pageText), direction: dir === 'a' ? 'after' : 'before', sid };
  // Re-encoding must give the same text: no alternative spellings of one token.
  return encodePageToken(serviceSid, cursor) === token ? cursor : null;
}
