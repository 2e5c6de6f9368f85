import { Injectable } from '@nestjs/common';
import { PgConnections } from '@app/database';
import type { TwilioUser } from '@app/domain';
import { MIRROR_USER_COLUMNS, UserJsonRow, TWILIO_USER_COLUMNS } from './user-columns';
import { UserListFilters, userListQuery } from './user-list.query';
import { userLookupSql } from './user-lookup.query';

/** Twilio-surface row: the user as Twilio sends it (attributes its exact JSON string); url and links are added per request origin. */
export type TwilioUserRow = Omit<TwilioUser, 'url' | 'links' | 'chat_service_sid'> & { chat_service_sid: string };

export interface UserBySidRow extends UserJsonRow {
  service_sid: string;
  deleted: boolean;
}

/**
 * Read-only SQL over users. Raw SQL through the pool on purpose: this is the API's hot path, and every
 * statement is a single round trip whose rows need no mapping (see user-columns.ts).
 */
@Injectable()
export class UsersRepository {
  constructor(private readonly db: PgConnections) {}

  /** A page of users, and the event sequence the page is consistent with (see userListQuery). */
  async list(serviceSid: string, filters: UserListFilters, afterSid: string | null, limit: number): Promise<{ rows: UserJsonRow[]; asOfSequence: string }> {
    const { text, values } = userListQuery(serviceSid, filters, afterSid, limit);
    const rows = await this.db.rows<UserJsonRow & { as_of: string }>(text, values);
    return { rows: rows[0]?.sid === null ? [] : rows, asOfSequence: rows[0].as_of };
  }

  /** A user by sid in whichever service, with that service (for the caller's scope) and whether it is a tombstone. */
  async bySid(sid: string, includeDeleted: boolean): Promise<UserBySidRow | null> {
    const rows = await this.db.rows<UserBySidRow>(
      `SELECT u.chat_service_sid AS service_sid, u.deleted_at IS NOT NULL AS deleted, ${MIRROR_USER_COLUMNS}
       FROM users u WHERE u.sid = $1 ${includeDeleted ? '' : 'AND u.deleted_at IS NULL'}`,
      [sid],
    );
    return rows[0] ?? null;
  }

  async bySidOrIdentity(serviceSid: string, key: string, includeDeleted: boolean): Promise<UserJsonRow | null> {
    const rows = await this.db.rows<UserJsonRow>(userLookupSql(MIRROR_USER_COLUMNS, key, includeDeleted), [serviceSid, key]);
    return rows[0] ?? null;
  }

  async twilioPage(serviceSid: string, cursor: { direction: 'after' | 'before'; sid: string } | null, pageSize: number): Promise<TwilioUserRow[]> {
    const values: unknown[] = [serviceSid, pageSize];
    let keyset = '';
    let order = 'ASC';
    if (cursor) {
      values.push(cursor.sid);
      keyset = cursor.direction === 'after' ? 'AND u.sid > $3' : 'AND u.sid < $3';
      order = cursor.direction === 'after' ? 'ASC' : 'DESC';
    }
    const rows = await this.db.rows<TwilioUserRow>(
      `SELECT ${TWILIO_USER_COLUMNS} FROM users u
       WHERE u.chat_service_sid = $1 AND u.deleted_at IS NULL ${keyset}
       ORDER BY u.sid ${order} LIMIT $2`,
      values,
    );
    return order === 'ASC' ? rows : rows.reverse();
  }

  async twilioFetch(serviceSid: string, key: string): Promise<TwilioUserRow | null> {
    const rows = await this.db.rows<TwilioUserRow>(userLookupSql(TWILIO_USER_COLUMNS, key, false), [serviceSid, key]);
    return rows[0] ?? null;
  }

  /** Whether the mirror knows the service at all: a row, a user, or a run (a first crawl has not written `services` yet). */
  async serviceKnown(serviceSid: string): Promise<boolean> {
    const [{ known }] = await this.db.rows<{ known: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM services WHERE sid = $1)
           OR EXISTS (SELECT 1 FROM users WHERE chat_service_sid = $1)
           OR EXISTS (SELECT 1 FROM sync_runs WHERE service_sid = $1) AS known`,
      [serviceSid],
    );
    return known;
  }
}
