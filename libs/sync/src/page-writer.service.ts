import { StatementBuilder } from '@app/database';
import { OutboxRepository, UserChange } from '@app/events';
import type { TwilioUser } from '@app/twilio';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { IncomingUser, sourceHash, toIncomingUser } from './incoming-user';
import { PageCounts, SyncRunsRepository } from './sync-runs.repository';
import { diffPage } from './user-diff';
import { PageKey, UsersRepository } from './users.repository';

export interface RunContext {
  runId: string;
  crawlId: string;
  accountSid: string;
  serviceSid: string;
}

export interface PageResult {
  /** Users of the page that were diffed (after dropping rejected records and repeated sids). */
  users: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: { sid: unknown; reason: string }[];
}

type Attempts = { requests: number; throttled: number; retries: number };
type Counts = Pick<PageCounts, 'users' | 'rejected' | 'created' | 'updated' | 'unchanged'>;
type KeyedUser = PageKey & {
  item: TwilioUser;
  /** toIncomingUser's result (or why it refused the record), when it was worth computing ahead. */
  prepared?: IncomingUser | Error;
};
/** A page's users already keyed (see keyPage), e.g. while the previous page was being written. */
export interface KeyedPage {
  keyed: KeyedUser[];
}

/**
 * Writes one page of users in one transaction: the diff against the mirror, the bulk upsert of what
 * changed, the seen marks, the outbox events and the run's checkpoint commit together or not at all, so a
 * crash loses at most the page in flight and a replayed page is a no-op.
 *
 * Two round trips on a connection of TypeORM's pool: `BEGIN; <read the page's stored users>`, then
 * `<users statement>; <events statement>; COMMIT` (see StatementBuilder for why inline values). The events
 * go last, in a statement of their own, so the outbox's sequence lock is taken after the heavy writes and
 * released by the COMMIT in the same message. Commits do not wait for the WAL flush (the pool sets
 * synchronous_commit off): a page lost in a Postgres crash is lost with its checkpoint and events, and the
 * crawl fetches it again; the relay flushes before it publishes.
 *
 * A page expected to be unchanged (the previous one was) is first tried in one round trip: a single
 * statement that records it only if every user's source hash matches (see unchangedInto).
 */
@Injectable()
export class PageWriter {
  private readonly prepared = new Map<string, string>();

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly users: UsersRepository,
    private readonly runs: SyncRunsRepository,
    private readonly outbox: OutboxRepository,
  ) {}

  async writePage(
    ctx: RunContext,
    page: TwilioUser[] | KeyedPage,
    upstreamRejected: PageResult['rejected'],
    nextUrl: string | null,
    attempts: Attempts,
    opts: { expectUnchanged?: boolean } = {},
  ): Promise<PageResult> {
    const keys = Array.isArray(page) ? keyPage(page, ctx.serviceSid) : page.keyed;
    const record = (b: StatementBuilder, c: Counts, when?: string) => this.runs.recordPageInto(b, ctx.runId, nextUrl, { ...c, ...attempts }, when);
    if (opts.expectUnchanged && (await this.recordIfUnchanged(ctx, keys, upstreamRejected, record))) {
      return { users: keys.length, created: 0, updated: 0, unchanged: keys.length, rejected: upstreamRejected };
    }
    return this.commit(ctx, keys, upstreamRejected, record);
  }

  /** For users found outside paging (the deletion sweep's point fetches): same diff, no checkpoint. */
  async writeUsers(ctx: RunContext, items: TwilioUser[]): Promise<PageResult> {
    return this.commit(ctx, keyPage(items, ctx.serviceSid), [], (b, c) => this.runs.addCountsInto(b, ctx.runId, c));
  }

  /**
   * The no-op page in one statement, with no transaction block: true if it was recorded. Unlike the page's
   * transaction this is one statement, so it can take real parameters and be prepared once per connection:
   * Postgres then skips parsing and planning it, which was half of its cost per page.
   */
  private async recordIfUnchanged(
    ctx: RunContext,
    keys: KeyedUser[],
    rejected: PageResult['rejected'],
    record: (b: StatementBuilder, c: Counts, when?: string) => void,
  ): Promise<boolean> {
    const b = new StatementBuilder();
    const when = this.users.unchangedInto(b, keys);
    this.users.markSeenInto(b, ctx.crawlId, keys.map((k) => k.sid), when);
    record(b, { users: keys.length, rejected: rejected.length, created: 0, updated: 0, unchanged: keys.length }, when);
    const text = b.sql('SELECT unchanged FROM page_unchanged');
    const { rows } = await this.withClient((client) => client.query({ name: this.statementName(text), text, values: b.params }));
    return rows[0].unchanged === true;
  }

  /** One name per distinct statement text (pg refuses a name reused for another text). */
  private statementName(text: string): string {
    let name = this.prepared.get(text);
    if (!name) this.prepared.set(text, (name = `page_writer_${this.prepared.size + 1}`));
    return name;
  }

  /**
   * The page's transaction. Should Postgres refuse a value that passed every check here (a date that does not
   * exist, an identity too long for its index, a number numeric cannot hold), the page is not retried as is:
   * that would fail again on every run, and the crawl would never get past it. The refused users are found
   * one by one and rejected with Postgres's reason; the rest of the page lands.
   */
  private async commit(
    ctx: RunContext,
    keys: KeyedUser[],
    rejected: PageResult['rejected'],
    record: (b: StatementBuilder, c: Counts) => void,
  ): Promise<PageResult> {
    try {
      return await this.commitOnce(ctx, keys, [...rejected], record);
    } catch (e) {
      if (!refusesValue(e)) throw e;
      const refused = await this.refusedUsers(ctx, keys);
      if (!refused.length) throw e;
      const bad = new Set(refused.map((r) => r.sid));
      return this.commitOnce(ctx, keys.filter((k) => !bad.has(k.sid)), [...rejected, ...refused], record);
    }
  }

  /** Writes each user alone, in savepoints of a transaction that is rolled back: which ones Postgres refuses. */
  private refusedUsers(ctx: RunContext, keys: KeyedUser[]): Promise<{ sid: string; reason: string }[]> {
    return this.withClient(async (client, markBroken) => {
      const refused: { sid: string; reason: string }[] = [];
      await client.query('BEGIN');
      try {
        for (const k of keys) {
          const prepared = k.prepared ?? prepare(k, ctx.serviceSid);
          if (prepared instanceof Error) continue; // rejected already, with its own reason
          const b = new StatementBuilder(true);
          this.users.upsertInto(b, [prepared]);
          await client.query('SAVEPOINT one_user');
          try {
            await client.query(b.sql('SELECT 1'));
          } catch (e) {
            if (!refusesValue(e)) throw e;
            refused.push({ sid: k.sid, reason: `Postgres refused it: ${(e as Error).message.slice(0, 200)}` });
          }
          await client.query('ROLLBACK TO SAVEPOINT one_user');
        }
      } finally {
        await client.query('ROLLBACK').catch(markBroken);
      }
      return refused;
    });
  }

  private commitOnce(
    ctx: RunContext,
    keys: KeyedUser[],
    rejected: PageResult['rejected'],
    record: (b: StatementBuilder, c: Counts) => void,
  ): Promise<PageResult> {
    return this.withClient(async (client, markBroken) => {
      try {
        const read = await client.query(`BEGIN; ${this.users.loadForDiffSql(new StatementBuilder(true), keys)}`);
        const stored = this.users.toStored((read as unknown as { rows: any[] }[])[1].rows);
        // Users stored with the same source hash are settled; only the others are parsed and hashed in full.
        const incoming: IncomingUser[] = [];
        const seen: string[] = [];
        let sameAtSource = 0;
        for (const k of keys) {
          if (stored.get(k.sid)?.sameAtSource) {
            sameAtSource++;
            seen.push(k.sid);
            continue;
          }
          const prepared = k.prepared ?? prepare(k, ctx.serviceSid);
          if (prepared instanceof Error) {
            rejected.push({ sid: k.sid, reason: prepared.message });
          } else {
            incoming.push(prepared);
            seen.push(k.sid);
          }
        }
        let diff = diffPage(incoming, stored);
        if (diff.recheck.length) diff = diffPage(incoming, stored, await this.users.attributesDiffer(client, diff.recheck));
        const result = {
          users: seen.length,
          created: count(diff.changes, 'created'),
          updated: count(diff.changes, 'updated'),
          unchanged: diff.unchanged + sameAtSource,
        };
        const b = new StatementBuilder(true);
        this.users.upsertInto(b, diff.writes);
        this.users.backfillSourceHashInto(b, diff.hashOnly);
        this.users.markSeenInto(b, ctx.crawlId, seen);
        record(b, { ...result, rejected: rejected.length });
        const events = new StatementBuilder(true);
        this.outbox.appendInto(events, { accountSid: ctx.accountSid, serviceSid: ctx.serviceSid, runId: ctx.runId }, diff.changes);
        await client.query(`${b.sql()};${events.empty ? '' : ` ${events.sql()};`} COMMIT`);
        return { ...result, rejected };
      } catch (e) {
        await client.query('ROLLBACK').catch(markBroken);
        throw e;
      }
    });
  }

  /** A connection of TypeORM's pool, used raw: its query path costs more than these statements. */
  private async withClient<T>(fn: (client: PoolClient, markBroken: (e: unknown) => void) => Promise<T>): Promise<T> {
    const [client, release] = (await (this.ds.driver as PostgresDriver).obtainMasterConnection()) as [PoolClient, (e?: unknown) => void];
    let broken: unknown;
    try {
      return await fn(client, (e) => (broken = e));
    } finally {
      release(broken); // a connection whose ROLLBACK failed is discarded, not pooled
    }
  }
}

/**
 * Each user of the page once (the last occurrence wins: one statement cannot upsert a row twice).
 * `prepare`: also map each user as it would be written, when the page will likely be written (the crawl
 * does this while the page before is still being written, to take that work off the write's path).
 */
export function keyPage(items: TwilioUser[], serviceSid: string, opts: { prepare?: boolean } = {}): KeyedUser[] {
  const bySid = new Map<string, KeyedUser>();
  for (const item of items) {
    const presence = item.is_online !== null || item.is_notifiable !== null;
    const key: KeyedUser = { sid: item.sid, sourceHash: sourceHash(item, serviceSid), presence, item };
    if (opts.prepare) key.prepared = prepare(key, serviceSid);
    bySid.set(item.sid, key);
  }
  return [...bySid.values()];
}

function prepare(k: KeyedUser, serviceSid: string): IncomingUser | Error {
  try {
    return toIncomingUser(k.item, serviceSid, k.sourceHash);
  } catch (e) {
    return e as Error;
  }
}

/**
 * A value Postgres will not store: data exceptions (class 22: a date out of range, a number numeric cannot
 * hold, text it cannot encode) and program limits (54000: an index row too big).
 */
function refusesValue(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code === '54000');
}

function count(changes: UserChange[], op: UserChange['op']): number {
  return changes.reduce((n, c) => n + (c.op === op ? 1 : 0), 0);
}
