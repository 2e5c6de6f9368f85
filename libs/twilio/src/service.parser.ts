import { BAD, isPlainObject, nullableIsoDate, nullableLinks, nullableSid, nullableString } from './record.checks';
import { isAccountSid, isServiceSid } from './twilio.sids';
import type { TwilioService } from './twilio.types';
import type { RecordResult } from './user.parser';

function reject(sid: unknown, reason: string): RecordResult<never> {
  return { ok: false, sid, reason };
}

/** Validates one Conversations service record; same tolerance rules as users (see user.parser.ts). */
export function parseService(raw: unknown): RecordResult<TwilioService> {
  if (!isPlainObject(raw)) return reject(undefined, `record is ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}, not an object`);
  const sid = raw.sid;
  if (!isServiceSid(sid)) return reject(sid, 'sid is not a service sid (IS + 32 hex)');
  const accountSid = nullableSid(raw.account_sid, isAccountSid);
  if (accountSid === BAD) return reject(sid, 'account_sid is not an account sid (AC + 32 hex)');
  const friendlyName = nullableString(raw.friendly_name);
  if (friendlyName === BAD) return reject(sid, 'friendly_name is not a string');
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
      friendly_name: friendlyName,
      date_created: dateCreated,
      date_updated: dateUpdated,
      url,
      links,
    },
  };
}
