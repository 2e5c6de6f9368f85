import { StatementBuilder } from '@app/database';
import { OutboxRepository, UserChange } from '@app/events';
import type { TwilioUser } from '@app/twilio';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
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

/**
 * Writes one page of users in one transaction: the diff against the mirror, the bulk upsert of what
 * changed, the seen marks, the outbox events and the run's checkpoint all commit together or not at all,
 * so a crash loses at most the page in flight and a replayed page is a no-op. Two round trips: the diff's
 * read, then one statement for every write.
 */
@Injectable()
export class PageWriter {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly users: UsersRepository,
    private readonly runs: SyncRunsRepository,
    private readonly outbox: OutboxRepository,
  ) {}

  async writePage(
    ctx: RunContext,
    items: TwilioUser[],
    upstreamRejected: { sid: unknown; reason: string }[],
    nextUrl: string | null,
    attempts: { requests: number; throttled: number; retries: number },
  ): Promise<PageResult> {
    const { incoming, rejected } = this.prepare(items, ctx.serviceSid);
    rejected.unshift(...upstreamRejected);
    return this.transaction(async (m) => {
      const { b, result, changes } = await this.diff(m, ctx, incoming);
      this.runs.recordPageInto(b, ctx.runId, nextUrl, {
        users: incoming.length,
        rejected: rejected.length,
        created: result.created,
        updated: result.updated,
        unchanged: result.unchanged,
        ...attempts,
      });
      this.outbox.appendInto(b, { accountSid: ctx.accountSid, serviceSid: ctx.serviceSid, runId: ctx.runId }, changes);
      await b.run(m);
      return { ...result, rejected };
    });
  }

  /** For users found outside paging (the deletion sweep's point fetches): same diff, no checkpoint. */
  async writeUsers(ctx: RunContext, items: TwilioUser[]): Promise<PageResult> {
    const { incoming, rejected } = this.prepare(items, ctx.serviceSid);
    return this.transaction(async (m) => {
      const { b, result, changes } = await this.diff(m, ctx, incoming);
      this.outbox.appendInto(b, { accountSid: ctx.accountSid, serviceSid: ctx.serviceSid, runId: ctx.runId }, changes);
      await b.run(m);
      await this.runs.addCounts(m, ctx.runId, { created: result.created, updated: result.updated });
      return { ...result, rejected };
    });
  }

  /**
   * Page commits do not wait for the WAL flush (the pool sets synchronous_commit off, see dataSourceOptions):
   * a page lost in a Postgres crash is lost with its checkpoint and events, and the crawl fetches it again.
   */
  private transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  private prepare(items: TwilioUser[], serviceSid: string) {
    const incoming: IncomingUser[] = [];
    const rejected: { sid: unknown; reason: string }[] = [];
    for (const item of items) {
      try {
        incoming.push(toIncomingUser(item, serviceSid));
      } catch (e) {
        rejected.push({ sid: item.sid, reason: (e as Error).message });
      }
    }
    return { incoming: dedupeBySid(incoming), rejected };
  }

  private async diff(m: EntityManager, ctx: RunContext, incoming: IncomingUser[]) {
    const sids = incoming.map((u) => u.user.sid);
    const stored = await this.users.loadForDiff(m, sids);
    const diff = diffPage(incoming, stored);
    const b = new StatementBuilder();
    this.users.upsertInto(b, diff.writes);
    this.users.markSeenInto(b, ctx.crawlId, sids);
    const result = { created: count(diff.changes, 'created'), updated: count(diff.changes, 'updated'), unchanged: diff.unchanged };
    return { b, result, changes: diff.changes };
  }
}

function count(changes: UserChange[], op: UserChange['op']): number {
  return changes.reduce((n, c) => n + (c.op === op ? 1 : 0), 0);
}
