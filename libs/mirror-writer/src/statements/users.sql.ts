import { StatementBuilder } from '@app/database';
import { normalizeDate, type IncomingUser, type MirrorUser, type StoredUser } from '@app/domain';

/** A user's key as the page statements take it. */
export interface UserKey {
  sid: string;
  sourceHash: string;
  presence: boolean;
}

export const USER_COLUMNS = `sid, account_sid, chat_service_sid, role_sid, identity, friendly_name, attributes,
  is_online, is_notifiable, date_created, date_updated, url, links`;

/** Stored before exact attributes texts were kept (migration ExactAttributesAndErasure): the text is still to write. */
const TEXT_MISSING = '(u.attributes_text IS NULL AND u.attributes IS NOT NULL)';

/** The stored row is needed whole when the source hash does not settle the user. */
const LOAD = `u.source_hash IS DISTINCT FROM t.hash OR u.deleted_at IS NOT NULL OR t.presence OR ${TEXT_MISSING}`;

function keysSql(b: StatementBuilder, keys: UserKey[]): string {
  return `unnest(${b.param(keys.map((k) => k.sid), 'varchar[]')}, ${b.param(keys.map((k) => k.sourceHash), 'text[]')},
                   ${b.param(keys.map((k) => k.presence), 'boolean[]')}) AS t(sid, hash, presence)`;
}

/**
 * The stored state of a page's users. A user whose stored source hash equals the incoming one (live, and the
 * page brings no presence) is `same`: nothing more is needed of it. The whole row comes back only for the
 * others, as a possible event's `before`.
 */
export function storedUsersSql(b: StatementBuilder, keys: UserKey[]): string {
  return `SELECT u.sid, NOT (${LOAD}) AS same, u.deleted_at IS NOT NULL AS deleted,
              u.source_hash IS DISTINCT FROM t.hash OR ${TEXT_MISSING} AS source_stale, u.is_online, u.is_notifiable,
              CASE WHEN ${LOAD} THEN to_jsonb(u) - 'attributes' - 'attributes_text' END AS row,
              CASE WHEN ${LOAD} THEN u.attributes::text END AS attributes_text
       FROM ${keysSql(b, keys)} JOIN users u ON u.sid = t.sid`;
}

export function toStoredUsers(rows: Record<string, any>[]): Map<string, StoredUser> {
  const stored = new Map<string, StoredUser>();
  for (const r of rows) {
    stored.set(r.sid, {
      sameAtSource: r.same,
      user: r.row ? rowToMirrorUser({ ...r.row, attributes: r.attributes_text === null ? null : JSON.parse(r.attributes_text) }) : null,
      attributesText: r.attributes_text,
      sourceStale: r.source_stale,
      version: r.row ? Number(r.row.version) : null,
      deleted: r.deleted,
      isOnline: r.is_online,
      isNotifiable: r.is_notifiable,
      observedAt: r.row?.observed_at ? Date.parse(r.row.observed_at) : null,
    });
  }
  return stored;
}

/** Of users whose attributes the diff could not compare exactly, those whose stored jsonb differs. */
export function attributesDifferSql(b: StatementBuilder, users: IncomingUser[]): string {
  return `SELECT t.sid FROM unnest(${b.param(users.map((u) => u.user.sid), 'varchar[]')}, ${b.param(users.map((u) => u.attributesText), 'text[]')}) AS t(sid, attributes)
       JOIN users u ON u.sid = t.sid
       WHERE u.attributes IS DISTINCT FROM t.attributes::jsonb`;
}

/**
 * A CTE `page_unchanged` (one boolean column, `unchanged`) saying whether every user of the page is stored
 * with the same source hash: the condition on which a no-op page is recorded in the same statement.
 */
export function pageUnchangedCte(b: StatementBuilder, keys: UserKey[]): string {
  b.with(
    'page_unchanged',
    `SELECT count(*) FILTER (WHERE u.source_hash = t.hash AND u.deleted_at IS NULL AND NOT t.presence AND NOT ${TEXT_MISSING})
              = ${b.param(keys.length, 'int')} AS unchanged
       FROM ${keysSql(b, keys)} LEFT JOIN users u ON u.sid = t.sid`,
  );
  return '(SELECT unchanged FROM page_unchanged)';
}

/** A user to write, with when the request that read it was sent (epoch ms; null when unknown). */
export interface UserWrite {
  user: IncomingUser;
  readAt: number | null;
}

/**
 * Inserts new users and overwrites changed ones. Callers pass only created or changed users (see diffUsers),
 * so unchanged rows are never rewritten. The rows travel as one JSON document; attributes are spliced into
 * it as Twilio's own text (valid JSON: toIncomingUser parsed it), so jsonb parses the exact numbers once, and
 * again as a JSON string, attributes_text, kept byte for byte (whitespace around the value included, which a
 * spliced value would lose). A user written again is live and not erased.
 */
export function upsertUsersCte(b: StatementBuilder, writes: UserWrite[]): void {
  if (!writes.length) return;
  const rows = writes.map(({ user: u, readAt }) => {
    const { attributes: _, ...fields } = u.user;
    const observedAt = readAt === null ? null : new Date(readAt).toISOString();
    const head = JSON.stringify({ ...fields, source_hash: u.sourceHash, attributes_text: u.attributesText, observed_at: observedAt });
    return `${head.slice(0, -1)},"attributes":${u.attributesText ?? 'null'}}`;
  });
  b.with(
    'users_upserted',
    `INSERT INTO users AS u (${USER_COLUMNS}, attributes_text, source_hash, observed_at, version, first_seen_at, changed_at, deleted_at)
       SELECT t.sid, t.account_sid, t.chat_service_sid, t.role_sid, t.identity, t.friendly_name, t.attributes,
              t.is_online, t.is_notifiable, t.date_created, t.date_updated, t.url, t.links,
              t.attributes_text, t.source_hash, t.observed_at, 1, now(), now(), NULL
       FROM jsonb_to_recordset(${b.doc(`[${rows.join(',')}]`)})
         AS t(sid varchar, account_sid varchar, chat_service_sid varchar, role_sid varchar, identity text, friendly_name text,
              attributes jsonb, is_online boolean, is_notifiable boolean, date_created timestamptz, date_updated timestamptz,
              url text, links jsonb, source_hash text, attributes_text text, observed_at timestamptz)
       ON CONFLICT (sid) DO UPDATE SET
         account_sid = EXCLUDED.account_sid,
         chat_service_sid = EXCLUDED.chat_service_sid,
         role_sid = EXCLUDED.role_sid,
         identity = EXCLUDED.identity,
         friendly_name = EXCLUDED.friendly_name,
         attributes = EXCLUDED.attributes,
         attributes_text = EXCLUDED.attributes_text,
         is_online = COALESCE(EXCLUDED.is_online, u.is_online),
         is_notifiable = COALESCE(EXCLUDED.is_notifiable, u.is_notifiable),
         date_created = EXCLUDED.date_created,
         date_updated = EXCLUDED.date_updated,
         url = EXCLUDED.url,
         links = EXCLUDED.links,
         source_hash = EXCLUDED.source_hash,
         observed_at = EXCLUDED.observed_at,
         version = u.version + 1,
         changed_at = now(),
         deleted_at = NULL,
         personal_data_erased_at = NULL
       RETURNING 1`,
  );
}

/**
 * Rewrites the source of unchanged users whose stored source is stale (see StoredUser.sourceStale): their source
 * hash and exact attributes text become Twilio's of now. The values, version and changed_at stay, and nothing is
 * announced: every value a consumer reads is the same. A tombstone is never touched (the diff sends none here).
 */
export function rewriteSourceCte(b: StatementBuilder, users: IncomingUser[]): void {
  if (!users.length) return;
  b.with(
    'sources_rewritten',
    `UPDATE users u SET source_hash = t.hash, attributes_text = t.attributes
       FROM unnest(${b.param(users.map((u) => u.user.sid), 'varchar[]')}, ${b.param(users.map((u) => u.sourceHash), 'text[]')},
                   ${b.param(users.map((u) => u.attributesText), 'text[]')}) AS t(sid, hash, attributes)
       WHERE u.sid = t.sid AND u.deleted_at IS NULL
       RETURNING 1`,
  );
}

/**
 * Tombstones users (never removes them) and returns their last known state, attributes also as exact text.
 * `readAt`: when the requests Twilio answered 20404 to were sent (the earliest). A user whose stored state was
 * read by a request sent after that was seen alive since: doubt, so it is left (see isStaleObservation).
 */
export function tombstoneUsersSql(b: StatementBuilder, sids: string[], readAt: number): string {
  const at = b.param(new Date(readAt).toISOString(), 'timestamptz');
  return `WITH t AS (
         UPDATE users SET deleted_at = now(), changed_at = now(), version = version + 1, observed_at = ${at}
         WHERE sid = ANY(${b.param(sids, 'varchar[]')}) AND deleted_at IS NULL AND (observed_at IS NULL OR observed_at <= ${at})
         RETURNING ${USER_COLUMNS}, version)
       SELECT *, attributes::text AS attributes_text FROM t`;
}

export function rowToMirrorUser(r: Record<string, any>): MirrorUser {
  return {
    sid: r.sid,
    account_sid: r.account_sid,
    chat_service_sid: r.chat_service_sid,
    role_sid: r.role_sid,
    identity: r.identity,
    friendly_name: r.friendly_name,
    attributes: r.attributes,
    is_online: r.is_online,
    is_notifiable: r.is_notifiable,
    date_created: normalizeDate(r.date_created),
    date_updated: normalizeDate(r.date_updated),
    url: r.url,
    links: r.links,
  };
}
