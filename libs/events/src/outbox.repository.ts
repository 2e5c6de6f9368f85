import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { StatementBuilder } from '@app/database';
import { EntityManager } from 'typeorm';
import { eventType, UserChange, userChangeJson } from './user-change';
import { OUTBOX_CHANNEL } from './user-event-row';

export interface OutboxContext {
  accountSid: string;
  serviceSid: string;
  runId: string | null;
}

/**
 * Writes user-changed events inside the caller's transaction, next to the rows they describe.
 * The sequence comes from event_sequence's single row, which the UPDATE locks until commit: sequences
 * are therefore gap-free and in commit order, so the relay can publish strictly by sequence.
 * Written by a statement of its own, the last before the page's COMMIT in the same message (see PageWriter).
 * The NOTIFY rides on the same statement and is delivered at commit: the relay and the feed wake on it.
 */
@Injectable()
export class OutboxRepository {
  async append(m: EntityManager, ctx: OutboxContext, changes: UserChange[]): Promise<void> {
    const b = new StatementBuilder();
    this.appendInto(b, ctx, changes);
    await b.run(m);
  }

  /**
   * The events as CTEs of the caller's statement: the sequence row's lock is then taken and released
   * within one round trip plus the commit, never held across a trip back to the client.
   */
  appendInto(b: StatementBuilder, ctx: OutboxContext, changes: UserChange[]): void {
    if (!changes.length) return;
    const n = b.param(changes.length, 'int');
    const events = changes.map(
      (c) => `{"id":"${randomUUID()}","type":"${eventType(c.op)}","user_sid":${JSON.stringify((c.after ?? c.before)!.sid)},"data":${userChangeJson(c)}}`,
    );
    b.with('event_seq', `UPDATE event_sequence SET last = last + ${n} RETURNING last`);
    b.with(
      'events_inserted',
      `INSERT INTO user_events (sequence, id, type, account_sid, service_sid, user_sid, run_id, time, data)
       SELECT s.last - ${n} + t.ord, t.id, t.type, ${b.param(ctx.accountSid, 'varchar')}, ${b.param(ctx.serviceSid, 'varchar')},
              t.user_sid, ${b.param(ctx.runId, 'bigint')}, ${b.param(new Date().toISOString(), 'timestamptz')}, t.data
       FROM event_seq s,
            ROWS FROM (jsonb_to_recordset(${b.doc(`[${events.join(',')}]`)}) AS (id uuid, type text, user_sid varchar, data jsonb))
              WITH ORDINALITY AS t(id, type, user_sid, data, ord)
       RETURNING sequence`,
    );
    // Delivered at commit: the relay and the feed wake without polling.
    b.with('events_notified', `SELECT pg_notify(${b.param(OUTBOX_CHANNEL, 'text')}, max(sequence)::text) FROM events_inserted`, {
      required: true,
    });
  }
}
