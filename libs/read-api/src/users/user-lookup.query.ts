import { isSid } from '../common/sids';
import { identityEqualsSql } from './identity-sql';

/**
 * One user of a service by sid or identity, as Twilio resolves the `{Sid}` of /Users/{Sid}: $1 is the
 * service, $2 the key. Only a sid-shaped key can match a sid, so identities skip the OR. A sid match
 * wins; among identity matches (a user deleted and re-created keeps its identity) the live user, then
 * the latest tombstone.
 */
export function userLookupSql(columns: string, key: string, includeDeleted: boolean): string {
  const live = includeDeleted ? '' : 'AND u.deleted_at IS NULL';
  if (!isSid('US', key)) {
    return `SELECT ${columns} FROM users u WHERE u.chat_service_sid = $1 AND ${identityEqualsSql('$2')} ${live}
            ORDER BY u.deleted_at IS NULL DESC, u.changed_at DESC LIMIT 1`;
  }
  return `SELECT ${columns} FROM users u WHERE u.chat_service_sid = $1 AND (u.sid = $2 OR ${identityEqualsSql('$2')}) ${live}
          ORDER BY u.sid = $2 DESC, u.deleted_at IS NULL DESC, u.changed_at DESC LIMIT 1`;
}
