import { isoDateSql } from '../common/sql-text';

/** A sync_runs row as SyncRunDto, from alias `x`. bigints as text: JSON numbers lose precision past 2^53. */
export const RUN_COLUMNS = `x.id::text AS id, x.crawl_id::text AS crawl_id, x.account_sid, x.service_sid, x.status, x.trigger,
  ${isoDateSql('x.started_at')} AS started_at, ${isoDateSql('x.finished_at')} AS finished_at, x.checkpoint_url,
  x.pages, x.requests, x.throttled, x.retries, x.users_seen, x.rejected, x.created, x.updated, x.unchanged, x.deleted, x.error, x.note`;

/** How many of a run's rejected records the API shows (the run's counter has them all). */
export const REJECTIONS_SHOWN = 100;

/** The first rejected records of the run whose id is `runIdSql`, as a JSON array of {sid, reason}. */
export function rejectedRecordsSql(runIdSql: string): string {
  return `COALESCE((SELECT json_agg(json_build_object('sid', j.user_sid, 'reason', j.reason)) FROM
    (SELECT user_sid, reason FROM sync_rejections WHERE run_id = ${runIdSql} ORDER BY created_at LIMIT ${REJECTIONS_SHOWN}) j), '[]'::json)`;
}

export const RUN_ID = /^[1-9]\d{0,17}$/;
