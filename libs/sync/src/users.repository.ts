import { MirrorUser, normalizeDate, StatementBuilder } from '@app/database';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { IncomingUser } from './incoming-user';
import { StoredUser } from './user-diff';

const USER_COLUMNS = `sid, account_sid, chat_service_sid, role_sid, identity, friendly_name, attributes,
  is_online, is_notifiable, date_created, date_updated, url, links`;

/** The mirror's users table, written in bulk: one statement per page whatever its size. */
@Injectable()
export class UsersRepository {
  /**
   * The stored state of a page's users, as a statement for the caller to send (see PageWriter). The whole
   * row comes back only where it may be needed as an event's `before`: the stored hash differs, the user
   * is a tombstone, or the page brings presence. An unchanged user costs a hash comparison, no JSON parsing.
   */
  loadForDiffSql(b: StatementBuilder, incoming: IncomingUser[]): string {
    return `SELECT u.sid, u.content_hash, u.deleted_at IS NOT NULL AS deleted, u.is_online, u.is_notifiable,
              CASE WHEN u.content_hash <> t.hash OR u.deleted_at IS NOT NULL OR t.presence THEN row_to_json(u) END AS row
       FROM unnest(${b.param(incoming.map((i) => i.user.sid), 'varchar[]')}, ${b.param(incoming.map((i) => i.contentHash), 'text[]')},
                   ${b.param(incoming.map((i) => i.user.is_online !== null || i.user.is_notifiable !== null), 'boolean[]')})
              AS t(sid, hash, presence)
       JOIN users u ON u.sid = t.sid`;
  }

  toStored(rows: Record<string, any>[]): Map<string, StoredUser> {
    const stored = new Map<string, StoredUser>();
    for (const r of rows) {
      stored.set(r.sid, {
        user: r.row ? rowToMirrorUser(r.row) : null,
        contentHash: r.content_hash,
        deleted: r.deleted,
        isOnline: r.is_online,
        isNotifiable: r.is_notifiable,
      });
    }
    return stored;
  }

  /**
   * Inserts new users and overwrites changed ones. Callers pass only created or changed users (see diffPage),
   * so unchanged rows are never rewritten. attributes travel as Twilio's text and are parsed by jsonb.
   */
  upsertInto(b: StatementBuilder, users: IncomingUser[]): void {
    if (!users.length) return;
    const col = <T>(f: (u: IncomingUser) => T, cast: string) => b.param(users.map(f), cast);
    b.with(
      'users_upserted',
      `INSERT INTO users AS u (${USER_COLUMNS}, content_hash, version, first_seen_at, changed_at, deleted_at)
       SELECT t.sid, t.account_sid, t.chat_service_sid, t.role_sid, t.identity, t.friendly_name, t.attributes::jsonb,
              t.is_online, t.is_notifiable, t.date_created, t.date_updated, t.url, t.links::jsonb,
              t.content_hash, 1, now(), now(), NULL
       FROM unnest(${col((u) => u.user.sid, 'varchar[]')}, ${col((u) => u.user.account_sid, 'varchar[]')},
                   ${col((u) => u.user.chat_service_sid, 'varchar[]')}, ${col((u) => u.user.role_sid, 'varchar[]')},
                   ${col((u) => u.user.identity, 'text[]')}, ${col((u) => u.user.friendly_name, 'text[]')},
                   ${col((u) => u.attributesText, 'text[]')}, ${col((u) => u.user.is_online, 'boolean[]')},
                   ${col((u) => u.user.is_notifiable, 'boolean[]')}, ${col((u) => u.user.date_created, 'timestamptz[]')},
                   ${col((u) => u.user.date_updated, 'timestamptz[]')}, ${col((u) => u.user.url, 'text[]')},
                   ${col((u) => (u.user.links === null ? null : JSON.stringify(u.user.links)), 'text[]')},
                   ${col((u) => u.contentHash, 'text[]')})
         AS t(sid, account_sid, chat_service_sid, role_sid, identity, friendly_name, attributes,
              is_online, is_notifiable, date_created, date_updated, url, links, content_hash)
       ON CONFLICT (sid) DO UPDATE SET
         account_sid = EXCLUDED.account_sid,
         chat_service_sid = EXCLUDED.chat_service_sid,
         role_sid = EXCLUDED.role_sid,
         identity = EXCLUDED.identity,
         friendly_name = EXCLUDED.friendly_name,
         attributes = EXCLUDED.attributes,
         is_online = COALESCE(EXCLUDED.is_online, u.is_online),
         is_notifiable = COALESCE(EXCLUDED.is_notifiable, u.is_notifiable),
         date_created = EXCLUDED.date_created,
         date_updated = EXCLUDED.date_updated,
         url = EXCLUDED.url,
         links = EXCLUDED.links,
         content_hash = EXCLUDED.content_hash,
         version = u.version + 1,
         changed_at = now(),
         deleted_at = NULL
       RETURNING 1`,
    );
  }

  /** Remembers which users a crawl saw, without touching their rows (see the deletion sweep). */
  markSeenInto(b: StatementBuilder, crawlId: string, sids: string[]): void {
    if (!sids.length) return;
    b.with(
      'users_seen',
      `INSERT INTO sync_seen (crawl_id, sid) SELECT ${b.param(crawlId, 'bigint')}, unnest(${b.param(sids, 'varchar[]')})
       ON CONFLICT DO NOTHING RETURNING 1`,
    );
  }

  /** Live users of the service that the crawl did not see, in sid order, a batch at a time. */
  async unseen(m: EntityManager, serviceSid: string, crawlId: string, afterSid: string, limit: number): Promise<string[]> {
    const rows = await m.query(
      `SELECT u.sid FROM users u
       WHERE u.chat_service_sid = $1 AND u.deleted_at IS NULL AND u.sid > $3
         AND NOT EXISTS (SELECT 1 FROM sync_seen s WHERE s.crawl_id = $2 AND s.sid = u.sid)
       ORDER BY u.sid LIMIT $4`,
      [serviceSid, crawlId, afterSid, limit],
    );
    return rows.map((r: { sid: string }) => r.sid);
  }

  /** Tombstones users (never removes them) and returns their last known state. */
  async tombstone(m: EntityManager, sids: string[]): Promise<MirrorUser[]> {
    if (!sids.length) return [];
    const rows = await m.query(
      `WITH t AS (
         UPDATE users SET deleted_at = now(), changed_at = now(), version = version + 1
         WHERE sid = ANY($1::varchar[]) AND deleted_at IS NULL
         RETURNING ${USER_COLUMNS})
       SELECT * FROM t`,
      [sids],
    );
    return rows.map(rowToMirrorUser);
  }

  async forgetSeen(m: EntityManager, crawlId: string): Promise<void> {
    await m.query('DELETE FROM sync_seen WHERE crawl_id = $1', [crawlId]);
  }

  async countLive(m: EntityManager, serviceSid: string): Promise<number> {
    const [{ n }] = await m.query(
      'SELECT count(*)::int AS n FROM users WHERE chat_service_sid = $1 AND deleted_at IS NULL',
      [serviceSid],
    );
    return n;
  }
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
