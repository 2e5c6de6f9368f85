import { StatementBuilder } from '@app/database';

/**
 * Remembers which users a crawl saw, without touching their rows (see the deletion sweep): one row per page.
 * `when`, an SQL condition, lets a statement record the page only if it turned out unchanged.
 */
export function markSeenCte(b: StatementBuilder, crawlId: string, sids: string[], when = 'true'): void {
  if (!sids.length) return;
  b.with(
    'users_seen',
    `INSERT INTO sync_seen (crawl_id, sids) SELECT ${b.param(crawlId, 'bigint')}, ${b.param(sids, 'varchar[]')} WHERE ${when}
       RETURNING 1`,
  );
}
