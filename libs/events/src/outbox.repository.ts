import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { eventType, UserChange } from './user-change';
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
 * Called last in a page's transaction to hold that lock for as short a time as possible.
 * The NOTIFY rides on the same statement and is delivered at commit: the relay and the feed wake on it.
 */
@Injectable()
export class OutboxRepository {
  async append(m: EntityManager, ctx: OutboxContext, changes: UserChange[]): Promise<void> {
    if (!changes.length) return;
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, rowCount] rather than the rows.
    const [{ last }] = await m.query(
      `WITH s AS (UPDATE event_sequence SET last = last + $1 RETURNING last)
       SELECT last, pg_notify($2, last::text) FROM s`,
      [changes.length, OUTBOX_CHANNEL],
    );
    const first = BigInt(last) - BigInt(changes.length) + 1n;
    const now = new Date().toISOString();
    await m.query(
      `INSERT INTO user_events (sequence, id, type, account_sid, service_sid, user_sid, run_id, time, data)
       SELECT t.seq, t.id, t.type, $4, $5, t.user_sid, $6, $7, t.data::jsonb
       FROM unnest($1::bigint[], $2::uuid[], $3::text[], $8::varchar[], $9::text[]) AS t(seq, id, type, user_sid, data)`,
      [
        changes.map((_, i) => (first + BigInt(i)).toString()),
        changes.map(() => randomUUID()),
        changes.map((c) => eventType(c.op)),
        ctx.accountSid,
        ctx.serviceSid,
        ctx.runId,
        now,
        changes.map((c) => (c.after ?? c.before)!.sid),
        changes.map((c) => JSON.stringify(c)),
      ],
    );
  }
}
