import { escapeLike } from '../common/sql-text';
import { MIRROR_USER_COLUMNS } from './user-columns';
import { identityEqualsSql, identityStartsWithSql } from './identity-sql';

/** friendly_name and identity joined by U+001F, which search text may not contain: no match spans both. */
export const SEARCH_TEXT = `(coalesce(u.friendly_name, '') || E'\\x1f' || coalesce(u.identity, ''))`;

export type DeletedMode = 'exclude' | 'include' | 'only';

/** The filters of GET /v1/services/{IS}/users, already validated. Absent filters are undefined. */
export interface UserListFilters {
  identity?: string;
  identityPrefix?: string;
  roleSid?: string;
  /** JSON text of an object, matched with jsonb containment (@>). */
  attributes?: string;
  /** Case-insensitive substring of friendly_name or identity, at least 3 characters (trigram index). */
  q?: string;
  /** ISO 8601; matches users whose mirror row changed (created, updated, tombstoned) at or after it. */
  updatedSince?: string;
  deleted: DeletedMode;
}

export interface SqlQuery {
  text: string;
  values: unknown[];
}

/**
 * One page of a service's users, in sid order after `afterSid`. sid never changes, so a user cannot move
 * across the cursor while the crawler rewrites it: concurrent writes never make a page skip or repeat a
 * user. Each filter is one predicate that an index of migrations ReadApiIndexes and BoundedIdentityIndex serves.
 *
 * Every row comes with `as_of`: the last event sequence committed in the statement's own snapshot (one row, even for
 * an empty page). The page holds every change up to that sequence and none after it, so a consumer that takes a
 * snapshot and then follows the change feed from there misses nothing (see docs/read-api.md, "Snapshot, then follow").
 */
export function userListQuery(serviceSid: string, f: UserListFilters, afterSid: string | null, limit: number): SqlQuery {
  const values: unknown[] = [serviceSid];
  const param = (v: unknown) => `$${values.push(v)}`;
  const where = ['u.chat_service_sid = $1'];
  if (f.deleted === 'exclude') where.push('u.deleted_at IS NULL');
  if (f.deleted === 'only') where.push('u.deleted_at IS NOT NULL');
  if (f.identity !== undefined) where.push(identityEqualsSql(param(f.identity)));
  // A literal-prefix LIKE: the planner turns it into a range on users_service_identity_prefix_idx.
  if (f.identityPrefix !== undefined) where.push(identityStartsWithSql(f.identityPrefix, param, escapeLike));
  if (f.roleSid !== undefined) where.push(`u.role_sid = ${param(f.roleSid)}`);
  if (f.attributes !== undefined) where.push(`u.attributes @> ${param(f.attributes)}::jsonb`);
  // The exact expression of users_search_trgm_idx, or the planner cannot use it.
  if (f.q !== undefined) where.push(`${SEARCH_TEXT} ILIKE ${param(`%${escapeLike(f.q)}%`)}`);
  if (f.updatedSince !== undefined) where.push(`u.changed_at >= ${param(f.updatedSince)}::timestamptz`);
  if (afterSid !== null) where.push(`u.sid > ${param(afterSid)}`);
  const text = `SELECT s.as_of, p.sid, p.json
    FROM (SELECT last::text AS as_of FROM event_sequence) s
    LEFT JOIN LATERAL (SELECT ${MIRROR_USER_COLUMNS} FROM users u WHERE ${where.join(' AND ')} ORDER BY u.sid LIMIT ${param(limit)}) p ON true`;
  return { text, values };
}
