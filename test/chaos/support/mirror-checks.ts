import type { RunningSimulator } from '@app/twilio-sim';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { readStream } from '../../events/support/stream-reader';

/** The users of a service as the simulator holds them, and as the mirror stores them, in one comparable shape. */
export async function mirrorAndUpstream(ds: DataSource, sim: RunningSimulator, serviceSid: string) {
  const upstream = sim.admin
    .exportUsers(serviceSid)
    .map((u) => ({
      sid: u.sid,
      account_sid: u.account_sid,
      role_sid: u.role_sid,
      identity: u.identity,
      friendly_name: u.friendly_name,
      attributes: u.attributes === null ? null : JSON.parse(u.attributes),
      date_created: u.date_created,
      date_updated: u.date_updated,
      url: u.url,
      links: u.links,
    }))
    .sort((a, b) => (a.sid < b.sid ? -1 : 1));
  const rows = await ds.query(`SELECT * FROM users WHERE chat_service_sid = $1 AND deleted_at IS NULL ORDER BY sid COLLATE "C"`, [serviceSid]);
  const mirror = rows.map((r: any) => ({
    sid: r.sid,
    account_sid: r.account_sid,
    role_sid: r.role_sid,
    identity: r.identity,
    friendly_name: r.friendly_name,
    attributes: r.attributes,
    date_created: r.date_created.toISOString().replace('.000Z', 'Z'),
    date_updated: r.date_updated.toISOString().replace('.000Z', 'Z'),
    url: r.url,
    links: r.links,
  }));
  return { mirror, upstream };
}

/**
 * The outbox and the stream agree: sequences 1..N without a gap, each on the stream once, in order, with the
 * outbox's event id. Returns the outbox rows.
 */
export async function outboxAndStream(ds: DataSource, redis: Redis, stream: string) {
  const rows: { seq: number; id: string; user_sid: string; type: string }[] = await ds.query(
    'SELECT sequence::int AS seq, id, user_sid, type FROM user_events ORDER BY sequence',
  );
  const entries = await readStream(redis, stream);
  return {
    rows,
    gapFree: rows.every((r, i) => r.seq === i + 1),
    streamIds: entries.map((e) => e.streamId),
    streamEventIds: entries.map((e) => e.event.id as string),
  };
}

export async function published(ds: DataSource): Promise<boolean> {
  const [{ n }] = await ds.query('SELECT count(*)::int AS n FROM user_events WHERE sequence > (SELECT published_through FROM relay_state)');
  return n === 0;
}
