/**
 * The personal fields of a user, per Twilio's spec (x-twilio.pii on conversations.v1.service.service_user:
 * identity, friendly_name, attributes; delete SLA 30 days). Everything else of a tombstone stays: sid, service,
 * account, role, dates, url, links, version, deleted_at.
 */
export const PERSONAL_FIELDS = ['identity', 'friendly_name', 'attributes'] as const;

const ERASED = `'${JSON.stringify(Object.fromEntries(PERSONAL_FIELDS.map((f) => [f, null])))}'::jsonb`;

/** A user object of an event's data with its personal fields set to null; anything else (null) as it is. */
function erasedSide(side: string): string {
  return `CASE WHEN jsonb_typeof(${side}) = 'object' THEN ${side} || ${ERASED} ELSE COALESCE(${side}, 'null'::jsonb) END`;
}

/** An event's data (`{op, before, after, changed}`) with both sides erased: op, changed, ids and sequence stay. */
export const ERASED_EVENT_DATA = `jsonb_set(jsonb_set(e.data, '{before}', ${erasedSide(`e.data->'before'`)}), '{after}', ${erasedSide(`e.data->'after'`)})`;

/**
 * Erases the tombstones chosen by `victims` (a SELECT of sids … FOR UPDATE that the caller writes) and, with
 * `events`, the events of those users, in one statement of the caller's transaction; answers the erased users and
 * the sequences of all their events (for the stream). The lock is what keeps it from racing the crawl: a user the
 * crawl is re-creating holds its row lock (SKIP LOCKED passes it by) or has committed deleted_at = NULL (the lock's
 * re-check drops it), and a live row is never erased. Events already erased are not rewritten. Finding a user's
 * events reads the whole outbox (user_events has no index on user_sid, which every event write would pay for):
 * `events` false skips that when the outbox cannot hold any (see ErasureRepository.outboxMayHoldEventsBefore).
 */
export function eraseSql(victims: string, opts: { events: boolean }): string {
  const events = opts.events
    ? `events_erased AS (
       UPDATE user_events e SET data = ${ERASED_EVENT_DATA}
       FROM erased x WHERE e.user_sid = x.sid AND e.data IS DISTINCT FROM ${ERASED_EVENT_DATA}
       RETURNING e.sequence
     ),
     events_of AS (SELECT e.sequence FROM user_events e JOIN erased x ON e.user_sid = x.sid)`
    : `events_erased AS (SELECT NULL::bigint AS sequence WHERE false),
     events_of AS (SELECT NULL::bigint AS sequence WHERE false)`;
  return `WITH victims AS (${victims}),
     erased AS (
       UPDATE users u SET identity = NULL, friendly_name = NULL, attributes = NULL, attributes_text = NULL,
              -- The source hash is a digest of the erased fields too.
              source_hash = NULL, personal_data_erased_at = COALESCE(u.personal_data_erased_at, now())
       FROM victims v WHERE u.sid = v.sid AND u.deleted_at IS NOT NULL
       RETURNING u.sid, u.deleted_at
     ),
     ${events}
     SELECT (SELECT array_agg(sid ORDER BY sid) FROM erased) AS sids, (SELECT max(deleted_at) FROM erased) AS deleted_through,
            (SELECT count(*)::int FROM events_erased) AS events,
            (SELECT array_agg(sequence::text ORDER BY sequence) FROM events_of) AS sequences`;
}

/** Tombstones deleted before $1 and not erased yet, oldest first, $2 at most (users_erasable_idx). */
export const EXPIRED_VICTIMS = `SELECT sid FROM users
       WHERE deleted_at IS NOT NULL AND personal_data_erased_at IS NULL AND deleted_at < $1::timestamptz
       ORDER BY deleted_at LIMIT $2 FOR UPDATE SKIP LOCKED`;

/** One tombstone ($1), erased or not: erasing it again redoes its events and stream entries, idempotently. */
export const ONE_VICTIM = `SELECT sid FROM users WHERE sid = $1 AND deleted_at IS NOT NULL FOR UPDATE`;
