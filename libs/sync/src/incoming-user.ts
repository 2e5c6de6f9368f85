import { hash } from 'node:crypto';
import { MirrorUser, normalizeDate } from '@app/database';
import type { TwilioUser } from '@app/twilio';

/** A user as the crawl is about to write it. */
export interface IncomingUser {
  user: MirrorUser;
  /** Twilio's attributes string, handed to Postgres as is so jsonb parses the exact numbers. */
  attributesText: string | null;
  sourceHash: string;
}

export class UnmirrorableUserError extends Error {}

/**
 * Maps a validated Twilio user to what the mirror stores. Throws UnmirrorableUserError for the few
 * values Postgres cannot hold (NUL characters, lone surrogates), so one odd record is rejected rather than failing its page.
 */
export function toIncomingUser(t: TwilioUser, serviceSid: string, source = sourceHash(t, serviceSid)): IncomingUser {
  for (const v of [t.identity, t.friendly_name, t.attributes, t.url, t.role_sid, t.account_sid, ...Object.values(t.links ?? {})]) {
    if (typeof v !== 'string') continue;
    if (v.includes('\u0000')) throw new UnmirrorableUserError('contains a NUL character');
    // Postgres stores UTF-8, which has no lone surrogates: one would fail the whole page's statement.
    if (LONE_SURROGATE.test(v)) throw new UnmirrorableUserError('contains a lone UTF-16 surrogate');
  }
  if (t.attributes !== null && t.attributes.includes('\\u')) {
    if (t.attributes.includes('\\u0000')) throw new UnmirrorableUserError('attributes contain \\u0000, which jsonb cannot store');
    if (LONE_SURROGATE_ESCAPE.test(t.attributes)) throw new UnmirrorableUserError('attributes contain a lone surrogate escape, which jsonb cannot store');
  }
  const attributes = t.attributes === null ? null : parseAttributes(t.attributes);
  const user: MirrorUser = {
    sid: t.sid,
    account_sid: t.account_sid,
    chat_service_sid: t.chat_service_sid ?? serviceSid,
    role_sid: t.role_sid,
    identity: t.identity,
    friendly_name: t.friendly_name,
    attributes,
    is_online: t.is_online,
    is_notifiable: t.is_notifiable,
    date_created: normalizeDate(t.date_created),
    date_updated: normalizeDate(t.date_updated),
    url: t.url,
    links: t.links,
  };
  return { user, attributesText: t.attributes, sourceHash: source };
}

function parseAttributes(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UnmirrorableUserError('attributes is not valid JSON');
  }
}

// In a u-flag regex a surrogate pair is one code point (not Cs): only a lone surrogate matches.
const LONE_SURROGATE = /\p{Cs}/u;
// A \uD800-\uDBFF escape not followed by a \uDC00-\uDFFF one, or the latter not preceded by the former.
const LONE_SURROGATE_ESCAPE = /\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}/;

/**
 * The user's fields exactly as Twilio sent them (attributes as its text). Equal to the stored one, the user is
 * unchanged, decided without parsing anything; unequal, the fields are compared with the stored row (the
 * text may differ while the JSON value does not: see diffPage). is_online/is_notifiable are left out: the
 * list always returns them null. Cheap: one native JSON.stringify and one one-shot hash.
 */
export function sourceHash(t: TwilioUser, serviceSid: string): string {
  return hash(
    'sha1',
    JSON.stringify([t.account_sid, t.chat_service_sid ?? serviceSid, t.role_sid, t.identity, t.friendly_name, t.attributes, t.date_created, t.date_updated, t.url, t.links]),
    'base64url',
  );
}
