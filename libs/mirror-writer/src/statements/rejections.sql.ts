import { StatementBuilder } from '@app/database';

/** What the API shows of a run's rejected records: the first ones; the run's counter has them all. */
export const REJECTIONS_KEPT_PER_RUN = 1000;

export interface RejectionRow {
  /** What the record gave as its sid, if it was a string (cut to 64 characters); null otherwise. */
  sid: string | null;
  reason: string;
}

/** Keeps a page's rejected records and why, for the run's detail and the service's status. */
export function keepRejectionsCte(b: StatementBuilder, runId: string, serviceSid: string, rows: RejectionRow[]): void {
  if (!rows.length) return;
  b.with(
    'rejections_kept',
    `INSERT INTO sync_rejections (run_id, service_sid, user_sid, reason)
       SELECT ${b.param(runId, 'bigint')}, ${b.param(serviceSid, 'varchar')}, t.sid, t.reason
       FROM jsonb_to_recordset(${b.doc(JSON.stringify(rows))}) AS t(sid text, reason text)
       WHERE (SELECT count(*) FROM sync_rejections WHERE run_id = ${b.param(runId, 'bigint')}) < ${REJECTIONS_KEPT_PER_RUN}
       RETURNING 1`,
  );
}
