import {
  BAD,
  isPlainObject,
  nullableBoolean,
  nullableIsoDate,
  nullableJsonString,
  nullableLinks,
  nullableSid,
  nullableString,
} from './record.checks';
import { isAccountSid, isRoleSid, isUserSid } from './twilio.sids';
import type { TwilioUser } from './twilio.types';

export type RecordResult<T> = { ok: true; value: T } | { ok: false; sid: unknown; reason: string };

function reject(sid: unknown, reason: string): RecordResult<never> {
  return { ok: false, sid, reason };
}

/**
 * Validates one user record of a list page or point fetch. Tolerant where Twilio may legitimately vary
 * (unknown fields ignored, missing fields null), strict where a wrong value would corrupt the mirror: such a
 * record is rejected with a reason instead of being stored half-right.
 *
 * @param serviceSid the service the record was requested from; a non-null `chat_service_sid` must equal it.
 * @param opts.checkAttributesJson false: `attributes` need only be a string (see TwilioClientOptions).
 */
export function parseUser(raw: unknown, serviceSid: string, opts: { checkAttributesJson?: boolean } = {}): RecordResult<TwilioUser> {
  if (!isPlainObject(raw)) return reject(undefined, `record is ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}, not an object`);
  const sid = raw.sid;
  if (!isUserSid(sid)) return reject(sid, 'sid is not a user sid (US + 32 hex)');

  const chatServiceSid = raw.chat_service_sid;
  if (chatServiceSid !== null && chatServiceSid !== undefined && chatServiceSid !== serviceSid) {
    return reject(sid, 'chat_service_sid differs from the requested service');
  }
  const accountSid = nullableSid(raw.account_sid, isAccountSid);
  if (accountSid === BAD) return reject(sid, 'account_sid is not an account sid (AC + 32 hex)');
  const roleSid = nullableSid(raw.role_sid, isRoleSid);
  if (roleSid === BAD) return reject(sid, 'role_sid is not a role sid (RL + 32 hex)');
  const identity = nullableString(raw.identity);
  if (identity === BAD) return reject(sid, 'identity is not a string');
  const friendlyName = nullableString(raw.friendly_name);
  if (friendlyName === BAD) return reject(sid, 'friendly_name is not a string');
  const attributes = opts.checkAttributesJson === false ? nullableString(raw.attributes) : nullableJsonString(raw.attributes);
  if (attributes === BAD) {
    return reject(sid, typeof raw.attributes === 'string' ? 'attributes is not valid JSON' : 'attributes is not a JSON string');
  }
  const isOnline = nullableBoolean(raw.is_online);
  if (isOnline === BAD) return reject(sid, 'is_online is not a boolean');
  const isNotifiable = nullableBoolean(raw.is_notifiable);
  if (isNotifiable === BAD) return reject(sid, 'is_notifiable is not a boolean');
  const dateCreated = nullableIsoDate(raw.date_created);
  if (dateCreated === BAD) return reject(sid, 'date_created is not an ISO 8601 date');
  const dateUpdated = nullableIsoDate(raw.date_updated);
  if (dateUpdated === BAD) return reject(sid, 'date_updated is not an ISO 8601 date');
  const url = nullableString(raw.url);
  if (url === BAD) return reject(sid, 'url is not a string');
  const links = nullableLinks(raw.links);
  if (links === BAD) return reject(sid, 'links is not an object');

  return {
    ok: true,
    value: {
      sid,
      account_sid: accountSid,
      chat_service_sid: (chatServiceSid as string | null | undefined) ?? null,
      role_sid: roleSid,
      identity,
      friendly_name: friendlyName,
      attributes,
      is_online: isOnline,
      is_notifiable: isNotifiable,
      date_created: dateCreated,
      date_updated: dateUpdated,
      url,
      links,
    },
  };
}
