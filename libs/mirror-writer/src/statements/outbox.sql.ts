import { randomUUID } from 'node:crypto';
import { StatementBuilder } from '@app/database';
import type { UserChange } from '@app/domain';
import { eventType, OUTBOX_CHANNEL, userChangeJson } from '@app/events';

export interface OutboxScope {
  accountSid: string;
  serviceSid: string;
  runId: string | null;
}

/** Event ids and time, injectable so that the statement's text can be checked in as it is generated. */
export interface EventStamp {
  newId(): string;
  now(): Date;
}

/**
 * Appends user-changed events to the outbox, in the caller's transaction, next to the rows they describe.
 * The sequence comes from event_sequence's single row, which the UPDATE locks until commit: sequences are
 * therefore gap-free and in commit order, so the relay can publish strictly by sequence. The writer sends this
 * as the last statement before COMMIT, in the same message, so the lock is never held across a round trip.
 * The NOTIFY rides on the same statement and is delivered at commit: the relay and the feed wake on it.
 */
export function appendEventsCte(b: StatementBuilder, scope: OutboxScope, changes: UserChange[], stamp: EventStamp): void {
  if (!changes.length) return;
  const n = b.param(changes.length, 'int');
  const events = changes.map(
    (c) => `{"id":"${stamp.newId()}","type":"${eventType(c.op)}","user_sid":${JSON.stringify((c.after ?? c.before)!.sid)},"data":${userChangeJson(c)}}`,
  );
  b.with('event_seq', `UPDATE event_sequence SET last = last + ${n} RETURNING last`);
  b.with(
    'events_inserted',
    `INSERT INTO user_events (sequence, id, type, account_sid, service_sid, user_sid, run_id, time, data)
       SELECT s.last - ${n} + t.ord, t.id, t.type, ${b.param(scope.accountSid, 'varchar')}, ${b.param(scope.serviceSid, 'varchar')},
              t.user_sid, ${b.param(scope.runId, 'bigint')}, ${b.param(stamp.now().toISOString(), 'timestamptz')}, t.data
       FROM event_seq s,
            ROWS FROM (jsonb_to_recordset(${b.doc(`[${events.join(',')}]`)}) AS (id uuid, type text, user_sid varchar, data jsonb))
              WITH ORDINALITY AS t(id, type, user_sid, data, ord)
       RETURNING sequence`,
  );
  b.with('events_notified', `SELECT pg_notify(${b.param(OUTBOX_CHANNEL, 'text')}, max(sequence)::text) FROM events_inserted`, {
    required: true,
  });
}

export const DEFAULT_STAMP: EventStamp = { newId: randomUUID, now: () => new Date() };

/**
 * The same append as a statement of its own, in the caller's transaction: for seeding an outbox without a crawl
 * (tests, benchmarks). The service writes events only through MirrorWriter.
 */
export async function appendEvents(m: { query(text: string, params?: unknown[]): Promise<unknown> }, scope: OutboxScope, changes: UserChange[]): Promise<void> {
  const b = new StatementBuilder();
  appendEventsCte(b, scope, changes, DEFAULT_STAMP);
  if (!b.empty) await m.query(b.sql(), b.params);
}
