import type { Pool } from 'pg';
import type { CloudEventJson } from '@twilio-mirror/user-events-consumer';

/** This application's tables: the ids of the events it applied, a log of changes, its copy of the users. */
export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS applied_events (id text PRIMARY KEY);
  CREATE TABLE IF NOT EXISTS change_log (n bigserial PRIMARY KEY, event_id text NOT NULL, user_sid text NOT NULL, op text NOT NULL);
  CREATE TABLE IF NOT EXISTS crm_users (
    sid text PRIMARY KEY,
    sequence bigint NOT NULL, -- of the last event applied to this user
    identity text,
    friendly_name text,
    deleted boolean NOT NULL
  )`;

/**
 * Applies an event exactly once. Delivery is at least once, so the event's id is recorded in the same
 * transaction as the effects: a redelivered event finds its id there and changes nothing.
 */
export async function applyUserEvent(db: Pool, event: CloudEventJson): Promise<void> {
  const client = await db.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN');
    const fresh = await client.query('INSERT INTO applied_events (id) VALUES ($1) ON CONFLICT DO NOTHING', [event.id]);
    if (fresh.rowCount === 1) {
      await client.query('INSERT INTO change_log (event_id, user_sid, op) VALUES ($1, $2, $3)', [event.id, event.subject, event.data.op]);
      // The last sequence is kept per user: an older event of a user (a dead letter replayed late, or one
      // handled by another consumer of the group) never overwrites a newer state of that user.
      const user = event.data.after ?? event.data.before;
      await client.query(
        `INSERT INTO crm_users (sid, sequence, identity, friendly_name, deleted) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (sid) DO UPDATE SET sequence = EXCLUDED.sequence, identity = EXCLUDED.identity,
           friendly_name = EXCLUDED.friendly_name, deleted = EXCLUDED.deleted
         WHERE crm_users.sequence < EXCLUDED.sequence`,
        [event.subject, event.sequence, user?.identity ?? null, user?.friendly_name ?? null, event.data.op === 'deleted'],
      );
    }
    await client.query('COMMIT');
  } catch (e) {
    failure = e instanceof Error ? e : new Error(String(e));
    await client.query('ROLLBACK').catch(() => undefined);
    throw e; // the entry stays pending and is delivered again
  } finally {
    client.release(failure); // a connection that failed is closed, not reused
  }
}
