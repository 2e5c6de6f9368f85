import { isoDateSql, twilioDateSql } from '../common/sql-text';

/**
 * A /v1 user as one JSON text built by Postgres (`json`, plus its `sid` for cursors): the response is written
 * from it with nothing parsed or printed again in Node, and attributes keep numbers a double cannot hold.
 * The keys are MirrorUserDto's, in its order.
 */
export const MIRROR_USER_COLUMNS = `u.sid, json_build_object(
  'sid', u.sid, 'account_sid', u.account_sid, 'chat_service_sid', u.chat_service_sid, 'role_sid', u.role_sid,
  'identity', u.identity, 'friendly_name', u.friendly_name, 'attributes', u.attributes,
  'is_online', u.is_online, 'is_notifiable', u.is_notifiable,
  'date_created', ${twilioDateSql('u.date_created')}, 'date_updated', ${twilioDateSql('u.date_updated')},
  'url', u.url, 'links', u.links, 'version', u.version,
  'first_seen_at', ${isoDateSql('u.first_seen_at')}, 'changed_at', ${isoDateSql('u.changed_at')},
  'deleted_at', ${isoDateSql('u.deleted_at')}, 'personal_data_erased_at', ${isoDateSql('u.personal_data_erased_at')})::text AS json`;

/** A row of MIRROR_USER_COLUMNS. */
export interface UserJsonRow {
  sid: string;
  json: string;
}

/**
 * The select list of the Twilio surface: attributes as the JSON string Twilio sent, byte for byte; for a row stored
 * before exact texts were kept (until its next crawl writes it), Postgres's print of the same value.
 */
export const TWILIO_USER_COLUMNS = `u.sid, u.account_sid, u.chat_service_sid, u.role_sid, u.identity, u.friendly_name,
  COALESCE(u.attributes_text, u.attributes::text) AS attributes, u.is_online, u.is_notifiable,
  ${twilioDateSql('u.date_created')} AS date_created, ${twilioDateSql('u.date_updated')} AS date_updated`;
