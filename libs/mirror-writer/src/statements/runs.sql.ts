import { StatementBuilder } from '@app/database';

export interface PageCounts {
  users: number;
  rejected: number;
  created: number;
  updated: number;
  unchanged: number;
  requests: number;
  throttled: number;
  retries: number;
}

/** The page's counters and the run's checkpoint, in the page's statement: the checkpoint moves exactly when the page's rows land. */
export function recordPageCte(b: StatementBuilder, runId: string, nextUrl: string | null, c: PageCounts, when = 'true'): void {
  b.with(
    'run_recorded',
    `UPDATE sync_runs SET checkpoint_url = ${b.param(nextUrl, 'text')}, pages = pages + 1,
         users_seen = users_seen + ${b.param(c.users, 'int')}, rejected = rejected + ${b.param(c.rejected, 'int')},
         created = created + ${b.param(c.created, 'int')}, updated = updated + ${b.param(c.updated, 'int')},
         unchanged = unchanged + ${b.param(c.unchanged, 'int')}, requests = requests + ${b.param(c.requests, 'int')},
         throttled = throttled + ${b.param(c.throttled, 'int')}, retries = retries + ${b.param(c.retries, 'int')}
       WHERE id = ${b.param(runId, 'bigint')} AND ${when} RETURNING 1`,
  );
}

/** Counters of changes found outside paging (point fetches, confirmed deletions). */
export function addCountsCte(b: StatementBuilder, runId: string, c: Partial<Record<'created' | 'updated' | 'deleted', number>>): void {
  b.with(
    'run_counted',
    `UPDATE sync_runs SET created = created + ${b.param(c.created ?? 0, 'int')}, updated = updated + ${b.param(c.updated ?? 0, 'int')},
         deleted = deleted + ${b.param(c.deleted ?? 0, 'int')}
       WHERE id = ${b.param(runId, 'bigint')} RETURNING 1`,
  );
}
