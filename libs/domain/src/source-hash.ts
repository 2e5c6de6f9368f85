import { hash } from 'node:crypto';
import type { TwilioUser } from './twilio-user';

/**
 * The user's fields exactly as Twilio sent them (attributes as its text). Equal to the stored one, the user is
 * unchanged, decided without parsing anything; unequal, the fields are compared with the stored row (the
 * text may differ while the JSON value does not: see diffUsers). is_online/is_notifiable are left out: the
 * list always returns them null. Cheap: one native JSON.stringify and one one-shot hash.
 */
export function sourceHash(t: TwilioUser, serviceSid: string): string {
  return hash(
    'sha1',
    JSON.stringify([t.account_sid, t.chat_service_sid ?? serviceSid, t.role_sid, t.identity, t.friendly_name, t.attributes, t.date_created, t.date_updated, t.url, t.links]),
    'base64url',
  );
}
