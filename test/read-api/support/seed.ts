import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';

export interface SeedUser {
  sid: string;
  account_sid?: string;
  chat_service_sid: string;
  role_sid?: string | null;
  identity?: string | null;
  friendly_name?: string | null;
  attributes?: unknown;
  date_created?: string;
  date_updated?: string;
  changed_at?: string;
  deleted_at?: string | null;
}

export const ACCOUNT = 'AC' + 'a'.repeat(32);

export function sid(prefix: 'US' | 'IS' | 'RL', n: number): string {
  return prefix + n.toString(16).padStart(32, '0');
}

export function randomSid(prefix: 'US' | 'IS' | 'RL'): string {
  return prefix + randomBytes(16).toString('hex');
}

/** Users in one statement, whatever their number. Bypasses the crawl on purpose: tests choose every column. */
export async function insertUsers(ds: DataSource, users: SeedUser[]): Promise<void> {
  if (!users.length) return;
  const col = <T>(f: (u: SeedUser) => T) => users.map(f);
  await ds.query(
    `INSERT INTO users (sid, account_sid, chat_service_sid, role_sid, identity, friendly_name, attributes, date_created, date_updated,
                        url, links, source_hash, changed_at, deleted_at)
     SELECT t.sid, t.account_sid, t.svc, t.role_sid, t.identity, t.friendly_name, t.attributes::jsonb, t.dc, t.du,
            'https://conversations.twilio.com/v1/Services/' || t.svc || '/Users/' || t.sid,
            jsonb_build_object('user_conversations', 'https://conversations.twilio.com/v1/Services/' || t.svc || '/Users/' || t.sid || '/Conversations'),
            'seed', COALESCE(t.changed_at, now()), t.deleted_at
     FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::text[], $6::text[], $7::text[],
                 $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[])
       AS t(sid, account_sid, svc, role_sid, identity, friendly_name, attributes, dc, du, changed_at, deleted_at)`,
    [
      col((u) => u.sid),
      col((u) => u.account_sid ?? ACCOUNT),
      col((u) => u.chat_service_sid),
      col((u) => u.role_sid ?? null),
      col((u) => (u.identity === undefined ? u.sid.toLowerCase() : u.identity)),
      col((u) => u.friendly_name ?? null),
      col((u) => (u.attributes === undefined ? '{}' : u.attributes === null ? null : JSON.stringify(u.attributes))),
      col((u) => u.date_created ?? '2024-01-02T03:04:05Z'),
      col((u) => u.date_updated ?? '2024-01-02T03:04:06Z'),
      col((u) => u.changed_at ?? null),
      col((u) => u.deleted_at ?? null),
    ],
  );
}

export async function insertService(ds: DataSource, serviceSid: string, fields: { friendlyName?: string; enabled?: boolean; accountSid?: string } = {}): Promise<void> {
  await ds.query(`INSERT INTO services (sid, account_sid, friendly_name, enabled) VALUES ($1, $2, $3, $4)`, [
    serviceSid,
    fields.accountSid ?? ACCOUNT,
    fields.friendlyName ?? 'Test service',
    fields.enabled ?? true,
  ]);
}
