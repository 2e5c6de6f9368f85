import { ScopeFilter, scopeConditionSql } from '@app/auth';
import { Injectable } from '@nestjs/common';
import { PgConnections } from '@app/database';
import { rejectedRecordsSql, RUN_COLUMNS } from './run-columns';
import type { SyncRunDetailDto, SyncRunDto } from './sync-run.dto';

/** Read side of sync_runs, latest first, keyset on id (sync_runs_pkey / sync_runs_service_idx walked backwards). */
@Injectable()
export class SyncRunsReadRepository {
  constructor(private readonly db: PgConnections) {}

  /** Runs latest first, before `beforeId`, of one service or of every service the scope covers. */
  list(serviceSid: string | null, beforeId: string | null, limit: number, scope: ScopeFilter): Promise<SyncRunDto[]> {
    const values: unknown[] = [limit];
    const where: string[] = [];
    if (!scope.all) where.push(scopeConditionSql(scope, { account: 'x.account_sid', service: 'x.service_sid' }, (v) => `$${values.push(v)}`));
    if (serviceSid !== null) where.push(`x.service_sid = $${values.push(serviceSid)}`);
    if (beforeId !== null) where.push(`x.id < $${values.push(beforeId)}::bigint`);
    return this.db.rows(
      `SELECT ${RUN_COLUMNS} FROM sync_runs x ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY x.id DESC LIMIT $1`,
      values,
    );
  }

  /** Each service's last successful run (the size a crawl in progress is measured against), for the status page. */
  lastSucceeded(serviceSids: string[]): Promise<SyncRunDto[]> {
    if (!serviceSids.length) return Promise.resolve([]);
    return this.db.rows(
      `SELECT ${RUN_COLUMNS} FROM unnest($1::varchar[]) AS s(sid)
       CROSS JOIN LATERAL (SELECT * FROM sync_runs r WHERE r.service_sid = s.sid AND r.status = 'succeeded' ORDER BY r.id DESC LIMIT 1) x`,
      [serviceSids],
    );
  }

  async get(id: string): Promise<SyncRunDetailDto | null> {
    const rows = await this.db.rows<SyncRunDetailDto>(`SELECT ${RUN_COLUMNS}, ${rejectedRecordsSql('x.id')} AS rejected_records FROM sync_runs x WHERE x.id = $1::bigint`, [id]);
    return rows[0] ?? null;
  }
}
