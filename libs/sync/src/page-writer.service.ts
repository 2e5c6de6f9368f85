import { StatementBuilder } from '@app/database';
import { OutboxRepository, UserChange } from '@app/events';
import type { TwilioUser } from '@app/twilio';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { IncomingUser, toIncomingUser } from './incoming-user';
import { SyncRunsRepository } from './sync-runs.repository';
import { dedupeBySid, diffPage } from './user-diff';
import { UsersRepository } from './users.repository';

export interface RunContext {
  runId: string;
  crawlId: string;
  accountSid: string;
  serviceSid: string;
}

export interface PageResult {
  created: number;
  updated: number;
  unchanged: number;
  rejected: { sid: unknown; reason: string }[];
}

type Attempts = { requests: number; throttled: number; retries: number };

/**
 * Writes one page of users in one transaction: the diff against the mirror, the bulk upsert of what
 * changed, the seen marks, the outbox events and the run's checkpoint commit together or not at all, so a
 * crash loses at most the page in flight and a replayed page is a no-op.
 *
 * Two round trips on a connection of TypeORM's pool: `BEGIN; <read the page's stored users>`, then
 * `<one statement with every write>; COMMIT` (see StatementBuilder for why inline values). Commits do not
 * wait for the WAL flush (the pool sets synchronous_commit off): a page lost in a Postgres crash is lost
 * with its checkpoint and events, and the crawl fetches it again; the relay flushes before it publishes.
 */
@Injectable()
export class PageWriter {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly users: UsersRepository,
    private readonly runs: SyncRunsRepository,
    private readonly outbox: OutboxRepository,
  ) {}

  async writePage(ctx: RunContext, items: TwilioUser[], upstreamRejected: { sid: unknown; reason: string }[], nextUrl: string | null, attempts: Attempts): Promise<PageResult> {
    const { incoming, rejected } = this.prepare(items, ctx.serviceSid);
    rejected.unshift(...upstreamRejected);
    return this.commit(ctx, incoming, rejected, (b, counts) =>
      this.runs.recordPageInto(b, ctx.runId, nextUrl, { users: incoming.length, rejected: rejected.length, ...counts, ...attempts }),
    );
  }

  /** For users found outside paging (the deletion sweep's point fetches): same diff, no checkpoint. */
  async writeUsers(ctx: RunContext, items: TwilioUser[]): Promise<PageResult> {
    const { incoming, rejected } = this.prepare(items, ctx.serviceSid);
    return this.commit(ctx, incoming, rejected, (b, counts) => this.runs.addCountsInto(b, ctx.runId, counts));
  }

  private async commit(
    ctx: RunContext,
    incoming: IncomingUser[],
    rejected: PageResult['rejected'],
    record: (b: StatementBuilder, counts: { created: number; updated: number; unchanged: number }) => void,
  ): Promise<PageResult> {
    const sids = incoming.map((u) => u.user.sid);
    const [client, release] = (await (this.ds.driver as PostgresDriver).obtainMasterConnection()) as [PoolClient, (e?: unknown) => void];
    let broken: unknown;
    try {
      const read = await client.query(`BEGIN; ${this.users.loadForDiffSql(new StatementBuilder(true), incoming)}`);
      const diff = diffPage(incoming, this.users.toStored((read as unknown as { rows: any[] }[])[1].rows));
      const counts = { created: count(diff.changes, 'created'), updated: count(diff.changes, 'updated'), unchanged: diff.unchanged };
      const b = new StatementBuilder(true);
      this.users.upsertInto(b, diff.writes);
      this.users.markSeenInto(b, ctx.crawlId, sids);
      record(b, counts);
      // Last: the outbox's sequence lock is held from here to the COMMIT in the same message.
      this.outbox.appendInto(b, { accountSid: ctx.accountSid, serviceSid: ctx.serviceSid, runId: ctx.runId }, diff.changes);
      await client.query(`${b.sql()}; COMMIT`);
      return { ...counts, rejected };
    } catch (e) {
      await client.query('ROLLBACK').catch((rollbackError) => (broken = rollbackError));
      throw e;
    } finally {
      release(broken);
    }
  }

  private prepare(items: TwilioUser[], serviceSid: string) {
    const incoming: IncomingUser[] = [];
    const rejected: PageResult['rejected'] = [];
    for (const item of items) {
      try {
        incoming.push(toIncomingUser(item, serviceSid));
      } catch (e) {
        rejected.push({ sid: item.sid, reason: (e as Error).message });
      }
    }
    return { incoming: dedupeBySid(incoming), rejected };
  }
}

function count(changes: UserChange[], op: UserChange['op']): number {
  return changes.reduce((n, c) => n + (c.op === op ? 1 : 0), 0);
}
