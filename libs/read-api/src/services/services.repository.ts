import { ScopeFilter, scopeConditionSql } from '@app/auth';
import { Injectable } from '@nestjs/common';
import { PgConnections } from '@app/database';
import { isoDateSql } from '../common/sql-text';
import { rejectedRecordsSql, RUN_COLUMNS } from './run-columns';
import type { ServiceStatusDto } from './service-status.dto';

/**
 * A service's row, or its running first crawl: `services` is written when a run finishes (or when the
 * scheduler discovers the service), so a service whose first crawl is in progress only has a run.
 */
const KNOWN_SERVICES = `
  SELECT sid, account_sid, friendly_name, enabled, removed_at, user_count, last_success_at, last_run_id FROM services
  UNION ALL
  SELECT r.service_sid, r.account_sid, NULL, true, NULL, 0, NULL, NULL FROM sync_runs r
  WHERE r.status = 'running' AND NOT EXISTS (SELECT 1 FROM services s2 WHERE s2.sid = r.service_sid)`;

const SERVICE_STATUS = `
  SELECT s.sid, s.account_sid, s.friendly_name, s.enabled, ${isoDateSql('s.removed_at')} AS removed_at, s.user_count,
    ${isoDateSql('s.last_success_at')} AS last_success_at,
    (SELECT row_to_json(r) FROM (SELECT ${RUN_COLUMNS} FROM sync_runs x WHERE x.id = s.last_run_id) r) AS last_run,
    (SELECT row_to_json(r) FROM (SELECT ${RUN_COLUMNS} FROM sync_runs x WHERE x.service_sid = s.sid AND x.status = 'running') r) AS current_run,
    json_build_object('status', COALESCE(a.status, 'unknown'), 'last_error', a.last_error, 'updated_at', ${isoDateSql('a.updated_at')}) AS account,
    ${rejectedRecordsSql(`COALESCE((SELECT x.id FROM sync_runs x WHERE x.service_sid = s.sid AND x.status = 'running'), s.last_run_id)`)} AS rejected_records
  FROM (${KNOWN_SERVICES}) s LEFT JOIN accounts a ON a.sid = s.account_sid`;

@Injectable()
export class ServicesReadRepository {
  constructor(private readonly db: PgConnections) {}

  /** Services in sid order after `afterSid`, those the scope covers only. */
  list(afterSid: string | null, limit: number, scope: ScopeFilter): Promise<ServiceStatusDto[]> {
    const values: unknown[] = [limit];
    const where = [scopeConditionSql(scope, { account: 's.account_sid', service: 's.sid' }, (v) => `$${values.push(v)}`)];
    if (afterSid !== null) where.push(`s.sid > $${values.push(afterSid)}`);
    return this.db.rows(`${SERVICE_STATUS} WHERE ${where.join(' AND ')} ORDER BY s.sid LIMIT $1`, values);
  }

  async get(sid: string): Promise<ServiceStatusDto | null> {
    const rows = await this.db.rows<ServiceStatusDto>(`${SERVICE_STATUS} WHERE s.sid = $1`, [sid]);
    return rows[0] ?? null;
  }
}
