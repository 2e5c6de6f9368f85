import { createHash } from 'node:crypto';
import stableStringify from 'safe-stable-stringify';
import { MirrorUser, normalizeDate } from '@app/database';
import type { TwilioUser } from '@app/twilio';

/** A user as the crawl is about to write it. */
export interface IncomingUser {
  user: MirrorUser;
  /** Twilio's attributes string, handed to Postgres as is so jsonb parses the exact numbers. */
  attributesText: string | null;
  contentHash: string;
}

export class UnmirrorableUserError extends Error {}

/**
 * Maps a validated Twilio user to what the mirror stores. Throws UnmirrorableUserError for the few
 * values Postgres cannot hold (NUL characters), so one odd record is rejected rather than failing its page.
 */
export function toIncomingUser(t: TwilioUser, serviceSid: string): IncomingUser {
  for (const v of [t.identity, t.friendly_name, t.attributes, t.url, t.role_sid, t.account_sid]) {
    if (typeof v === 'string' && v.includes('\u0000')) throw new UnmirrorableUserError('contains a NUL character');
  }
  if (t.attributes !== null && t.attributes.includes('\\u0000')) {
    throw new UnmirrorableUserError('attributes contain \\u0000, which jsonb cannot store');
  }
  const attributes = t.attributes === null ? null : JSON.parse(t.attributes);
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
  return { user, attributesText: t.attributes, contentHash: contentHash(user) };
}

/**
 * What makes a user "changed". attributes and links are compared as JSON values (key order and
 * whitespace do not count). is_online/is_notifiable are left out: the list always returns them null,
 * and a null there must neither change the hash nor overwrite a known value.
 */
export function contentHash(u: MirrorUser): string {
  const canonical = stableStringify([
    u.account_sid,
    u.chat_service_sid,
    u.role_sid,
    u.identity,
    u.friendly_name,
    u.attributes,
    u.date_created,
    u.date_updated,
    u.url,
    u.links,
  ]);
  return createHash('sha1').update(canonical as string).digest('base64url');
}

