import { PersonalDataErasure } from '@app/erasure';
import { MirrorWriter, observeUsers } from '@app/mirror-writer';
import type { TwilioUser } from '@app/twilio-sim';
import Redis from 'ioredis';
import { readStream } from '../events/support/stream-reader';
import { Harness, startHarness, TEST_API_TOKEN, waitFor } from '../support/mirror-harness';
import { REDIS_URL } from '../support/test-redis';

const DAY_MS = 86_400_000;
const READER = 'erasure-read-only-token';
const PERSONAL = ['identity', 'friendly_name', 'attributes'] as const;

/**
 * Deleted users' personal data past DELETED_USER_RETENTION_DAYS, with the clock frozen where each check needs it:
 * erased from the tombstone, from every event of the user in the outbox (and so the HTTP feed), and from the Redis
 * Stream; nothing else of theirs, nothing of anyone else's, never a live user's.
 */
describe('erasure of deleted users’ personal data', () => {
  let h: Harness;
  let erasure: PersonalDataErasure;
  let redis: Redis;
  let serviceSid: string;
  let victims: TwilioUser[];
  let reborn: TwilioUser;
  let deletedAt: Date;

  const ds = () => h.db.dataSource;
  const api = async (method: string, path: string, token = TEST_API_TOKEN) => {
    const r = await fetch(`${h.mirror.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: r.status, body: (await r.json()) as any };
  };
  const eventsOf = (sids: string[]) =>
    ds().query(`SELECT sequence::text AS sequence, id::text, type, user_sid, data FROM user_events WHERE user_sid = ANY($1) ORDER BY sequence`, [sids]);
  const allPublished = () =>
    waitFor(async () => {
      const [r] = await ds().query('SELECT published_through = (SELECT last FROM event_sequence) AS done FROM relay_state');
      return r.done;
    }, 'the relay to publish every event');

  beforeAll(async () => {
    h = await startHarness('erasure', {
      sim: { services: '1x40', seed: 5 },
      roles: 'api,worker,scheduler',
      env: { API_TOKENS: `${TEST_API_TOKEN},reader:${READER}:read`, ERASURE_INTERVAL_MS: String(3_600_000) },
    });
    serviceSid = h.sim.serviceSids[0];
    erasure = h.mirror.app.get(PersonalDataErasure, { strict: false });
    redis = new Redis(REDIS_URL);
    await h.crawlAll();
    const users = h.sim.admin.exportUsers(serviceSid);
    // Changed once first, so their events hold them in `before` and `after` alike.
    for (const u of users.slice(0, 4)) h.sim.admin.updateUser(serviceSid, u.sid, { friendlyName: `${u.friendly_name} (renamed)`, attributes: '{ "secret": "s3" }' });
    await h.crawlAll();
    victims = users.slice(0, 3);
    reborn = users[3];
    for (const u of users.slice(0, 4)) h.sim.admin.deleteUser(serviceSid, u.sid);
    await h.crawlAll();
    const [row] = await ds().query('SELECT max(deleted_at) AS at FROM users WHERE deleted_at IS NOT NULL');
    deletedAt = row.at;
    // What follows happens more than a second after the deletions (the second tests freeze the clock at the
    // retention plus one second): a condition on the clock, not a sleep.
    await waitFor(async () => Date.now() > deletedAt.getTime() + 1500, 'a second and a half after the deletions');
    // A live user changes: an event of someone else, younger than the deletions.
    h.sim.admin.updateUser(serviceSid, users[5].sid, { friendlyName: 'Still here' });
    await h.crawlAll();
    // The fourth comes back under its old sid (as the crawl would write it): a live row again. (It is not upstream:
    // the next crawl tombstones it again, as later tests expect.)
    const writer = h.mirror.app.get(MirrorWriter, { strict: false });
    await writer.apply({ kind: 'fetched', scope: { accountSid: h.sim.accountSid, serviceSid }, run: null, users: observeUsers([{ ...reborn, is_online: null, is_notifiable: null }], serviceSid) });
    await allPublished();
  });
  afterAll(async () => {
    redis?.disconnect();
    await h?.close();
  });

  it('keeps everything before the retention is past', async () => {
    const frozen = new Date(deletedAt.getTime() + 29 * DAY_MS);
    expect(await erasure.eraseExpired(frozen)).toEqual({ users: 0, events: 0, streamEntries: 0 });
    const rows = await ds().query('SELECT identity FROM users WHERE sid = ANY($1) AND identity IS NOT NULL', [victims.map((v) => v.sid)]);
    expect(rows).toHaveLength(3);
  });

  it('past the retention, erases the tombstones’ identity, friendly name and attributes, and nothing else of them', async () => {
    const sids = victims.map((v) => v.sid);
    const before = await ds().query(
      `SELECT sid, chat_service_sid, account_sid, role_sid, date_created, date_updated, url, links, version, first_seen_at, changed_at, deleted_at
       FROM users WHERE sid = ANY($1) ORDER BY sid`,
      [sids],
    );
    const eventsBefore = await eventsOf(sids);
    const streamBefore = await readStream(redis, h.config.events.stream);
    expect(eventsBefore.length).toBe(9); // created, updated, deleted each
    expect(streamBefore.filter((e) => sids.includes(e.event.subject))).toHaveLength(9);

    // A second past the retention: the cutoff falls a second after the deletions.
    const frozen = new Date(deletedAt.getTime() + 30 * DAY_MS + 1000);
    const result = await erasure.eraseExpired(frozen);
    // The stream keeps only what is younger than the cutoff: the victims' entries (deleted, 9) and everyone's older
    // ones (trimmed) are gone.
    const younger = streamBefore.filter((e) => Date.parse(e.event.time) > frozen.getTime() - 30 * DAY_MS);
    expect(younger.length).toBeGreaterThanOrEqual(2); // the re-creation and the live user's change
    expect(result).toEqual({ users: 3, events: 9, streamEntries: streamBefore.length - younger.length });

    const after = await ds().query(
      `SELECT sid, chat_service_sid, account_sid, role_sid, date_created, date_updated, url, links, version, first_seen_at, changed_at, deleted_at
       FROM users WHERE sid = ANY($1) ORDER BY sid`,
      [sids],
    );
    expect(after).toEqual(before);
    expect(await ds().query(`SELECT identity, friendly_name, attributes, attributes_text, source_hash, personal_data_erased_at IS NOT NULL AS erased FROM users WHERE sid = ANY($1)`, [sids])).toEqual(
      sids.map(() => ({ identity: null, friendly_name: null, attributes: null, attributes_text: null, source_hash: null, erased: true })),
    );

    // The outbox: same sequences, ids, types, ops and changed lists; personal fields null on both sides.
    const eventsAfter = await eventsOf(sids);
    expect(eventsAfter.map((e: any) => [e.sequence, e.id, e.type, e.data.op, e.data.changed])).toEqual(eventsBefore.map((e: any) => [e.sequence, e.id, e.type, e.data.op, e.data.changed]));
    for (const e of eventsAfter) {
      for (const side of [e.data.before, e.data.after]) {
        if (side === null) continue;
        for (const f of PERSONAL) expect(side[f]).toBeNull();
        expect(side.sid).toBe(e.user_sid);
        expect(side.chat_service_sid).toBe(serviceSid);
      }
    }
    // Everyone else's events in the outbox are as they were.
    expect(await ds().query(`SELECT count(*)::int AS n FROM user_events WHERE NOT (user_sid = ANY($1)) AND data->'after'->>'identity' IS NULL AND data->>'op' <> 'deleted'`, [sids])).toEqual([{ n: 0 }]);
    // The HTTP feed serves the outbox: the same events, erased.
    const feed = await api('GET', '/v1/events?after=0&limit=1000');
    const fed = feed.body.events.filter((e: any) => sids.includes(e.subject));
    expect(fed.map((e: any) => e.sequence)).toEqual(eventsBefore.map((e: any) => e.sequence));
    expect(JSON.stringify(fed)).not.toMatch(/"identity":"|"friendly_name":"|secret/);
    expect(fed.every((e: any) => [e.data.before, e.data.after].every((s: any) => s === null || PERSONAL.every((f) => s[f] === null)))).toBe(true);

    // The stream: nothing of theirs, nothing older than the retention; what is younger is there, untouched.
    const streamAfter = await readStream(redis, h.config.events.stream);
    expect(streamAfter.map((e) => e.sequence)).toEqual(younger.map((e) => e.sequence));
    expect(streamAfter.some((e) => sids.includes(e.event.subject))).toBe(false);
  });

  it('is idempotent, and never erases a live user, even one re-created under a tombstone’s sid', async () => {
    const frozen = new Date(deletedAt.getTime() + 365 * DAY_MS);
    expect(await erasure.eraseExpired(frozen)).toEqual({ users: 0, events: 0, streamEntries: 0 });
    const [live] = await ds().query('SELECT identity, deleted_at, personal_data_erased_at FROM users WHERE sid = $1', [reborn.sid]);
    expect(live).toEqual({ identity: reborn.identity, deleted_at: null, personal_data_erased_at: null });
    const events = await eventsOf([reborn.sid]);
    expect(events.map((e: any) => e.data.op)).toEqual(['created', 'updated', 'deleted', 'created']);
    expect(events[3].data.after.identity).toBe(reborn.identity);
  });

  it('takes a user’s stream entries out even when the outbox no longer lists them (pruned before the retention)', async () => {
    const target = h.sim.admin.exportUsers(serviceSid)[2];
    h.sim.admin.deleteUser(serviceSid, target.sid);
    await h.crawlAll(); // tombstones it (and the re-created user above, which is not upstream)
    await allPublished();
    const [{ at }] = await ds().query('SELECT deleted_at AS at FROM users WHERE sid = $1', [target.sid]);
    expect((await readStream(redis, h.config.events.stream)).filter((e) => e.event.subject === target.sid).length).toBeGreaterThan(0);
    // The relay's prune after EVENTS_RETENTION_HOURS: the head of the outbox, up to (and past) the user's events.
    await ds().query('DELETE FROM user_events WHERE sequence <= (SELECT max(sequence) FROM user_events)');

    const result = await erasure.eraseExpired(new Date(at.getTime() + 30 * DAY_MS + 1000));
    expect({ users: result.users, events: result.events }).toEqual({ users: 2, events: 0 });
    expect(await ds().query('SELECT identity FROM users WHERE sid = $1', [target.sid])).toEqual([{ identity: null }]);
    expect((await readStream(redis, h.config.events.stream)).filter((e) => e.event.subject === target.sid)).toEqual([]);
  });

  it('skips a tombstone the crawl is re-creating (its row locked), and does not erase it once live', async () => {
    const target = h.sim.admin.exportUsers(serviceSid)[0];
    h.sim.admin.deleteUser(serviceSid, target.sid);
    await h.crawlAll();
    const erased = async () => (await ds().query('SELECT personal_data_erased_at IS NOT NULL AS erased FROM users WHERE sid = $1', [target.sid]))[0].erased;
    const crawl = ds().createQueryRunner();
    await crawl.connect();
    try {
      await crawl.startTransaction();
      await crawl.query('UPDATE users SET deleted_at = NULL WHERE sid = $1', [target.sid]); // a page's upsert, not committed yet
      const frozen = new Date(Date.now() + 400 * DAY_MS);
      await erasure.eraseExpired(frozen);
      expect(await erased()).toBe(false);
      await crawl.commitTransaction();
      expect(await erasure.eraseExpired(frozen)).toEqual({ users: 0, events: 0, streamEntries: 0 });
    } finally {
      await crawl.release();
    }
    expect(await ds().query('SELECT identity, personal_data_erased_at FROM users WHERE sid = $1', [target.sid])).toEqual([{ identity: target.identity, personal_data_erased_at: null }]);
  });

  it('erases one deleted user now on request (trigger right), again idempotently; refuses a live user and a read-only token', async () => {
    const target = h.sim.admin.exportUsers(serviceSid)[1];
    h.sim.admin.deleteUser(serviceSid, target.sid);
    await h.crawlAll();
    await allPublished();
    const inStream = (await readStream(redis, h.config.events.stream)).filter((e) => e.event.subject === target.sid).length;
    const inOutbox = (await eventsOf([target.sid])).length;
    expect(inStream).toBeGreaterThan(0);
    const readOnly = await api('DELETE', `/v1/users/${target.sid}/personal-data`, READER);
    expect(readOnly).toEqual({ status: 403, body: expect.objectContaining({ statusCode: 403 }) });
    const first = await api('DELETE', `/v1/users/${target.sid}/personal-data`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      user: { sid: target.sid, identity: null, friendly_name: null, attributes: null, deleted_at: expect.any(String), personal_data_erased_at: expect.any(String) },
      events_erased: inOutbox,
      stream_entries_deleted: inStream,
    });
    const again = await api('DELETE', `/v1/users/${target.sid}/personal-data`);
    expect(again.body).toMatchObject({ events_erased: 0, stream_entries_deleted: 0, user: { personal_data_erased_at: first.body.user.personal_data_erased_at } });
    const stream = await readStream(redis, h.config.events.stream);
    expect(stream.some((e) => e.event.subject === target.sid)).toBe(false);
    expect(JSON.stringify((await eventsOf([target.sid])).map((e: any) => e.data))).not.toContain(target.identity!);

    const liveSid = h.sim.admin.exportUsers(serviceSid)[0].sid;
    expect(await api('DELETE', `/v1/users/${liveSid}/personal-data`)).toEqual({ status: 409, body: expect.objectContaining({ message: expect.stringMatching(/is live upstream/) }) });
    expect((await api('DELETE', `/v1/users/US${'0'.repeat(32)}/personal-data`)).status).toBe(404);
  });
});
