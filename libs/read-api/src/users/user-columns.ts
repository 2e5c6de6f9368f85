import { isoDateSql, twilioDateSql } from '../common/sql-text';

/**
 * The select list of a /v1 user, aliased to MirrorUserDto's field names: a row is the response object as
 * it comes from the driver (dates formatted by Postgres, jsonb parsed by pg), with no mapping in between.
 */
export const MIRROR_USER_COLUMNS = `u.sid, u.account_sid, u.chat_service_sid, u.role_sid, u.identity, u.friendly_name,
  u.attributes, u.is_online, u.is_notifiable,
  ${twilioDateSql('u.date_created')} AS date_created, ${twilioDateSql('u.date_updated')} AS date_updated,
  u.url, u.links, u.version,
  ${isoDateSql('u.first_seen_at')} AS first_seen_at, ${isoDateSql('u.changed_at')} AS changed_at,
  ${isoDateSql('u.deleted_at')} AS deleted_at`;

/** The select list of the Twilio surface: attributes back as a JSON string, as Twilio sends them. */
export const TWILIO_USER_COLUMNS = `u.sid, u.account_sid, u.chat_service_sid, u.role_sid, u.identity, u.friendly_name,
  u.attributes::text AS attributes, u.is_online, u.is_notifiable,
  ${twilioDateSql('u.date_created')} AS date_created, ${twilioDateSql('u.date_updated')} AS date_updated`;
