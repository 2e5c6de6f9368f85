import { StatementBuilder } from '@app/database';
import type { IncomingUser, UserChange } from '@app/domain';
import { appendEventsCte, EventStamp, OutboxScope } from './statements/outbox.sql';
import { addCountsCte, PageCounts, recordPageCte } from './statements/runs.sql';
import { keepRejectionsCte, RejectionRow } from './statements/rejections.sql';
import { markSeenCte } from './statements/seen.sql';
import { pageUnchangedCte, rewriteSourceCte, storedUsersSql, tombstoneUsersSql, upsertUsersCte, UserKey, UserWrite } from './statements/users.sql';

/** The advisory-lock namespace of the writer's transactions (two-key locks: this, then the service sid's hash). */
export const WRITER_LOCK_SPACE = 0x6d777274;

/**
 * The writer's statements, whole, as pure functions of what they write: MirrorWriter sends them, and
 * page.statements.spec.ts checks their text in (queries/*.sql), so that a change to one shows in review.
 *
 * "Inline" statements carry their values as literals (see StatementBuilder): they travel in one simple-protocol
 * message together with BEGIN or COMMIT, so a page costs two round trips and the outbox's sequence lock is
 * released by the COMMIT in the message that took it.
 */

export interface Statement {
  text: string;
  values: unknown[];
}

/** How a write is accounted in its run: a page moves the checkpoint, point fetches only add to the counters. */
export type RunRecord =
  | { kind: 'page'; runId: string; nextUrl: string | null; counts: PageCounts }
  | { kind: 'counts'; runId: string; counts: Pick<PageCounts, 'created' | 'updated'> }
  | { kind: 'none' };

/**
 * The no-op page in one statement, with no transaction block: it records the page (seen marks, counters,
 * checkpoint) only if every user is stored with the same source hash, and answers whether it did. One statement,
 * so it takes real parameters and is prepared once per connection: Postgres then skips parsing and planning.
 */
export function unchangedPageStatement(crawlId: string, keys: UserKey[], record: Extract<RunRecord, { kind: 'page' }>): Statement {
  const b = new StatementBuilder();
  const when = pageUnchangedCte(b, keys);
  markSeenCte(b, crawlId, keys.map((k) => k.sid), when);
  recordPageCte(b, record.runId, record.nextUrl, record.counts, when);
  return { text: b.sql('SELECT unchanged FROM page_unchanged'), values: b.params };
}

/**
 * Serializes the writes of one service's users: a crawl page and a webhook's fetch of the same user each read the
 * stored state, diff and write, and without this the second would diff against what the first is replacing (an
 * event with the wrong `before`) or write an older state back. Transaction-scoped: released by COMMIT/ROLLBACK.
 */
function lockServiceSql(serviceSid: string): string {
  const b = new StatementBuilder(true);
  return `SELECT pg_advisory_xact_lock(${WRITER_LOCK_SPACE}, hashtext(${b.param(serviceSid, 'text')}))`;
}

/**
 * Opens the page's transaction, takes the service's writer lock and reads what the diff needs of its users
 * (inline: sent with BEGIN, one message). Each statement reads a snapshot taken after the lock was granted.
 */
export function readStoredStatement(serviceSid: string, keys: UserKey[]): string {
  return `BEGIN; ${lockServiceSql(serviceSid)}; ${storedUsersSql(new StatementBuilder(true), keys)}`;
}

export interface ChangesToWrite {
  /** Created or changed users: the only rows written. */
  writes: UserWrite[];
  /** Unchanged users whose stored source hash or exact attributes text is not Twilio's of now: given Twilio's. */
  sourceOnly: IncomingUser[];
  /** Sids the crawl saw, for its deletion sweep: rejected users too (they exist upstream). */
  seen: string[];
  /** Records that could not be mirrored, kept for the run's detail. */
  rejected: RejectionRow[];
}

/**
 * The rows, the seen marks and the run's record in one statement, then the events in a statement of their own,
 * last, and COMMIT (inline: one message). The events go last so the sequence lock is taken after the heavy writes.
 */
export function writeChangesStatement(
  scope: OutboxScope,
  crawlId: string | null,
  changes: ChangesToWrite,
  record: RunRecord,
  events: UserChange[],
  stamp: EventStamp,
): string {
  const b = new StatementBuilder(true);
  upsertUsersCte(b, changes.writes);
  rewriteSourceCte(b, changes.sourceOnly);
  if (crawlId !== null) markSeenCte(b, crawlId, changes.seen);
  if (record.kind === 'page') recordPageCte(b, record.runId, record.nextUrl, record.counts);
  if (record.kind === 'counts') addCountsCte(b, record.runId, record.counts);
  if (record.kind !== 'none') keepRejectionsCte(b, record.runId, scope.serviceSid, changes.rejected);
  const e = new StatementBuilder(true);
  appendEventsCte(e, scope, events, stamp);
  return `${b.sql()};${e.empty ? '' : ` ${e.sql()};`} COMMIT`;
}

/** One user alone, to learn whether Postgres refuses its values (inside a savepoint that is rolled back). */
export function probeUserStatement(user: IncomingUser): string {
  const b = new StatementBuilder(true);
  upsertUsersCte(b, [{ user, readAt: null }]);
  return b.sql('SELECT 1');
}

/**
 * Opens a transaction, takes the service's writer lock and tombstones the users (inline: sent with BEGIN);
 * answers their last known state.
 */
export function tombstoneStatement(serviceSid: string, sids: string[], readAt: number): string {
  return `BEGIN; ${lockServiceSql(serviceSid)}; ${tombstoneUsersSql(new StatementBuilder(true), sids, readAt)}`;
}

/** The deletions' events and the run's counter, and COMMIT (inline: one message). */
export function recordDeletionsStatement(scope: OutboxScope, runId: string | null, events: UserChange[], stamp: EventStamp): string {
  const b = new StatementBuilder(true);
  if (runId !== null) addCountsCte(b, runId, { deleted: events.length });
  appendEventsCte(b, scope, events, stamp);
  return `${b.sql()}; COMMIT`;
}
