import { PgConnections } from '@app/database';
import { changedFields, diffUsers, isStaleObservation, type IncomingUser, type UserChange } from '@app/domain';
import { isUserSid } from '@app/twilio';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { prepareUser } from './observed-users';
import type { Attempts, CrawlRunRef, Observation, ObservedUser, Rejection, WriteResult, WriteScope } from './observation';
import {
  probeUserStatement,
  readStoredStatement,
  recordDeletionsStatement,
  RunRecord,
  tombstoneStatement,
  unchangedPageStatement,
  writeChangesStatement,
} from './page.statements';
import { DEFAULT_STAMP, EventStamp } from './statements/outbox.sql';
import { RejectionRow } from './statements/rejections.sql';
import { attributesDifferSql, rowToMirrorUser, toStoredUsers } from './statements/users.sql';
import { StatementBuilder } from '@app/database';

export const EVENT_STAMP = Symbol('EVENT_STAMP');

/**
 * The mirror's one write path. Every observation of users — a crawl's page, the deletion sweep's point fetches,
 * a webhook's — is diffed against the stored rows and written in one transaction with its outbox events and,
 * for a page, the run's checkpoint: a crash loses at most the observation in flight, and applying the same
 * observation again is a no-op, so an event means the same thing whatever found the change.
 *
 * A page costs two round trips: `BEGIN; <read its stored users>`, then `<rows, seen marks, counters>; <events>;
 * COMMIT`. Commits do not wait for the WAL flush (the pool sets synchronous_commit off): a page lost in a
 * Postgres crash is lost with its checkpoint and events, and the crawl fetches it again; the relay flushes before
 * it publishes. A page expected unchanged (the one before was) is first tried as one prepared statement.
 */
@Injectable()
export class MirrorWriter {
  private readonly statementNames = new Map<string, string>();
  private readonly stamp: EventStamp;

  constructor(
    private readonly pg: PgConnections,
    @Optional() @Inject(EVENT_STAMP) stamp?: EventStamp,
  ) {
    this.stamp = stamp ?? DEFAULT_STAMP;
  }

  async apply(o: Observation): Promise<WriteResult> {
    switch (o.kind) {
      case 'page': {
        const record = pageRecord(o.run.runId, o.nextUrl, o.attempts);
        // A page with rejected records takes the full path, which keeps them (and marks them seen).
        if (o.expectUnchanged && !o.rejected.length && (await this.recordIfUnchanged(o.run, o.users, o.rejected, record))) {
          return { users: o.users.length, created: 0, updated: 0, unchanged: o.users.length, deleted: 0, stale: 0, rejected: o.rejected };
        }
        return this.writeUsers(o.scope, o.run, o.users, o.rejected, record);
      }
      case 'fetched':
        return this.writeUsers(o.scope, o.run, o.users, [], o.run ? (c) => ({ kind: 'counts', runId: o.run!.runId, counts: c }) : () => ({ kind: 'none' }));
      case 'gone':
        return this.tombstone(o.scope, o.run, o.sids, o.readAt);
    }
  }

  private async recordIfUnchanged(run: CrawlRunRef, users: ObservedUser[], rejected: Rejection[], record: RecordFor): Promise<boolean> {
    const r = record({ users: users.length, rejected: rejected.length, created: 0, updated: 0, unchanged: users.length });
    const { text, values } = unchangedPageStatement(run.crawlId, users, r as Extract<RunRecord, { kind: 'page' }>);
    const { rows } = await this.pg.withClient((client) => client.query({ name: this.statementName(text), text, values }));
    return rows[0].unchanged === true;
  }

  /** One name per distinct statement text (pg refuses a name reused for another text). */
  private statementName(text: string): string {
    let name = this.statementNames.get(text);
    if (!name) this.statementNames.set(text, (name = `mirror_writer_${this.statementNames.size + 1}`));
    return name;
  }

  /**
   * Should Postgres refuse a value that passed every check here (a date that does not exist, a number numeric
   * cannot hold), the users are not written again as they are: that would fail on every retry and run, and the
   * crawl would never get past them. The refused users are found one by one and rejected with Postgres's reason;
   * the rest lands.
   */
  private async writeUsers(scope: WriteScope, run: CrawlRunRef | null, users: ObservedUser[], rejected: Rejection[], record: RecordFor): Promise<WriteResult> {
    try {
      return await this.writeOnce(scope, run, users, [...rejected], record);
    } catch (e) {
      if (!refusesValue(e)) throw e;
      const refused = await this.refusedUsers(users, scope.serviceSid);
      if (!refused.length) throw e;
      const bad = new Set(refused.map((r) => r.sid));
      return this.writeOnce(scope, run, users.filter((u) => !bad.has(u.sid)), [...rejected, ...refused], record);
    }
  }

  private writeOnce(scope: WriteScope, run: CrawlRunRef | null, users: ObservedUser[], rejected: Rejection[], record: RecordFor): Promise<WriteResult> {
    return this.inTransaction(async (client) => {
      // [BEGIN, the service's lock, the stored users]
      const read = (await client.query(readStoredStatement(scope.serviceSid, users))) as unknown as { rows: Record<string, any>[] }[];
      const stored = toStoredUsers(read[2].rows);
      // Users stored with the same source hash are settled; only the others are parsed and hashed in full.
      const incoming: IncomingUser[] = [];
      const readAt = new Map<string, number | null>();
      const seen: string[] = [];
      let sameAtSource = 0;
      let stale = 0;
      for (const u of users) {
        const held = stored.get(u.sid);
        if (held?.sameAtSource) {
          sameAtSource++;
          seen.push(u.sid);
          continue;
        }
        const prepared = prepareUser(u, scope.serviceSid);
        if (prepared instanceof Error) {
          rejected.push({ sid: u.sid, reason: prepared.message });
          continue;
        }
        seen.push(u.sid);
        // Older than what the mirror holds (a page read before a webhook's fetch wrote a newer state): kept as is.
        if (held && isStaleObservation(prepared, u.readAt, held)) stale++;
        else {
          incoming.push(prepared);
          readAt.set(u.sid, u.readAt);
        }
      }
      const diffed = seen.length;
      // A rejected user exists upstream all the same: seen, so that the crawl's deletion sweep runs and spares it.
      for (const r of rejected) if (isUserSid(r.sid) && !seen.includes(r.sid)) seen.push(r.sid);
      let diff = diffUsers(incoming, stored);
      if (diff.recheck.length) diff = diffUsers(incoming, stored, await this.attributesDiffer(client, diff.recheck));
      const result: WriteResult = {
        users: diffed,
        created: count(diff.changes, 'created'),
        updated: count(diff.changes, 'updated'),
        unchanged: diff.unchanged + sameAtSource + stale,
        deleted: 0,
        stale,
        rejected,
      };
      const outbox = { ...scope, runId: run?.runId ?? null };
      const counts = { users: result.users, rejected: rejected.length, created: result.created, updated: result.updated, unchanged: result.unchanged };
      await client.query(
        writeChangesStatement(
          outbox,
          run?.crawlId ?? null,
          { writes: diff.writes.map((w) => ({ user: w, readAt: readAt.get(w.user.sid) ?? null })), sourceOnly: diff.sourceOnly, seen, rejected: rejected.map(rejectionRow) },
          record(counts),
          diff.changes,
          this.stamp,
        ),
      );
      return result;
    });
  }

  private async attributesDiffer(client: PoolClient, users: IncomingUser[]): Promise<Set<string>> {
    const b = new StatementBuilder();
    const { rows } = await client.query(attributesDifferSql(b, users), b.params);
    return new Set(rows.map((r: { sid: string }) => r.sid));
  }

  /** Writes each user alone, in savepoints of a transaction that is rolled back: which ones Postgres refuses. */
  private refusedUsers(users: ObservedUser[], serviceSid: string): Promise<Rejection[]> {
    return this.pg.withClient(async (client, discard) => {
      const refused: Rejection[] = [];
      await client.query('BEGIN');
      try {
        for (const u of users) {
          const prepared = prepareUser(u, serviceSid);
          if (prepared instanceof Error) continue; // rejected already, with its own reason
          await client.query('SAVEPOINT one_user');
          try {
            await client.query(probeUserStatement(prepared));
          } catch (e) {
            if (!refusesValue(e)) throw e;
            refused.push({ sid: u.sid, reason: `Postgres refused it: ${(e as Error).message.slice(0, 200)}` });
          }
          await client.query('ROLLBACK TO SAVEPOINT one_user');
        }
      } finally {
        await client.query('ROLLBACK').catch(discard);
      }
      return refused;
    });
  }

  /**
   * Confirmed deletions: tombstoned (never removed), announced with their last known state. A user whose stored
   * state was read after the 20404's request was sent is left alive (doubt), and so is one already tombstoned.
   */
  private tombstone(scope: WriteScope, run: CrawlRunRef | null, sids: string[], readAt: number): Promise<WriteResult> {
    const none: WriteResult = { users: 0, created: 0, updated: 0, unchanged: 0, deleted: 0, stale: 0, rejected: [] };
    if (!sids.length) return Promise.resolve(none);
    return this.inTransaction(async (client) => {
      // [BEGIN, the service's lock, the tombstoned users]
      const read = (await client.query(tombstoneStatement(scope.serviceSid, sids, readAt))) as unknown as { rows: Record<string, any>[] }[];
      const changes: UserChange[] = read[2].rows.map((r) => {
        const before = rowToMirrorUser(r);
        return {
          op: 'deleted',
          before,
          after: null,
          changed: changedFields(before, null),
          version: Number(r.version),
          attributesText: { before: r.attributes_text, after: null },
        };
      });
      await client.query(recordDeletionsStatement({ ...scope, runId: run?.runId ?? null }, run?.runId ?? null, changes, this.stamp));
      return { ...none, deleted: changes.length };
    });
  }

  /** `fn` sends BEGIN and COMMIT itself (with its first and last statements); any failure rolls back. */
  private inTransaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.pg.withClient(async (client, discard) => {
      try {
        return await fn(client);
      } catch (e) {
        await client.query('ROLLBACK').catch(discard);
        throw e;
      }
    });
  }
}

type Counts = { users: number; rejected: number; created: number; updated: number; unchanged: number };
type RecordFor = (counts: Counts) => RunRecord;

function pageRecord(runId: string, nextUrl: string | null, attempts: Attempts): RecordFor {
  return (c) => ({ kind: 'page', runId, nextUrl, counts: { ...c, ...attempts } });
}

/**
 * A value Postgres will not store: data exceptions (class 22: a date out of range, a number numeric cannot
 * hold, text it cannot encode) and program limits (54000: an index row too big; 54001: JSON nested deeper than
 * the server's stack allows).
 */
function refusesValue(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code === '54000' || code === '54001');
}

function rejectionRow(r: Rejection): RejectionRow {
  return { sid: typeof r.sid === 'string' ? r.sid.slice(0, 64) : null, reason: r.reason.slice(0, 500) };
}

function count(changes: UserChange[], op: UserChange['op']): number {
  return changes.reduce((n, c) => n + (c.op === op ? 1 : 0), 0);
}
