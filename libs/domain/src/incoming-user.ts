import { normalizeDate } from './dates';
import type { MirrorUser } from './mirror-user';
import { sourceHash } from './source-hash';
import type { TwilioUser } from './twilio-user';

/** A user as the crawl is about to write it. */
export interface IncomingUser {
  user: MirrorUser;
  /** Twilio's attributes string, handed to Postgres as is so jsonb parses the exact numbers. */
  attributesText: string | null;
  sourceHash: string;
}

export class UnmirrorableUserError extends Error {}

/** Twilio's own limit on a user's attributes: anything longer did not come from Twilio as it is documented. */
export const MAX_ATTRIBUTES_BYTES = 16 * 1024;
/**
 * Deeper JSON than this is refused. Postgres parses jsonb recursively, one stack frame per level, and refuses past
 * max_stack_depth (54001); so do recursive walks in Node. No real attributes come near it.
 */
export const MAX_ATTRIBUTES_DEPTH = 512;

/**
 * Maps a validated Twilio user to what the mirror stores. Throws UnmirrorableUserError for the values
 * Postgres is known to refuse (NUL characters, lone surrogates), so one odd record is rejected rather than
 * failing its page; anything else Postgres refuses is found when the page is written (see PageWriter.commit).
 */
export function toIncomingUser(t: TwilioUser, serviceSid: string, source = sourceHash(t, serviceSid)): IncomingUser {
  const links = t.links ?? {};
  for (const v of [t.identity, t.friendly_name, t.attributes, t.url, t.role_sid, t.account_sid, ...Object.keys(links), ...Object.values(links)]) {
    if (typeof v === 'string') checkText(v, '');
  }
  if (t.attributes !== null) checkAttributesSize(t.attributes);
  const attributes = t.attributes === null ? null : parseAttributes(t.attributes);
  // Escapes are the only way valid JSON text holds a NUL or a lone surrogate; most attributes have none.
  if (t.attributes?.includes('\\u')) walkStrings(attributes, (v) => checkText(v, 'attributes: '));
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

function checkAttributesSize(text: string): void {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: most texts are cleared without counting.
  if (text.length * 3 > MAX_ATTRIBUTES_BYTES) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_ATTRIBUTES_BYTES) throw new UnmirrorableUserError(`attributes are ${bytes} bytes, over Twilio's limit of ${MAX_ATTRIBUTES_BYTES}`);
  }
  // Each level takes two characters at least.
  if (text.length > 2 * MAX_ATTRIBUTES_DEPTH && nestingDepth(text) > MAX_ATTRIBUTES_DEPTH) {
    throw new UnmirrorableUserError(`attributes are nested deeper than ${MAX_ATTRIBUTES_DEPTH} levels`);
  }
}

/** The deepest nesting of arrays and objects in a JSON text (brackets inside strings do not count). */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

function parseAttributes(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UnmirrorableUserError('attributes is not valid JSON');
  }
  return value;
}

// In a u-flag regex a surrogate pair is one code point (not Cs): only a lone surrogate matches.
const LONE_SURROGATE = /\p{Cs}/u;

/** Postgres stores UTF-8 text without NUL: either in any string would fail the whole page's statement. */
function checkText(v: string, where: string): void {
  if (v.includes('\u0000')) throw new UnmirrorableUserError(`${where}contains a NUL character`);
  if (LONE_SURROGATE.test(v)) throw new UnmirrorableUserError(`${where}contains a lone UTF-16 surrogate`);
}

function walkStrings(value: unknown, visit: (s: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const v of value) walkStrings(v, visit);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      visit(k);
      walkStrings(v, visit);
    }
  }
}
