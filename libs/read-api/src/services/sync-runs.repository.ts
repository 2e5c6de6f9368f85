import { Injectable } from '@nestjs/common';
import { PgConnections } from '@app/database';
import { rejectedRecordsSql, RUN_COLUMNS } from './run-columns';
import type { SyncRunDetailDto, SyncRunDto } from './sync-run.dto';

/** Read side of sync_runs, latest first, keyset on id (sync_runs_pkey / sync_runs_service_idx walked backwards). */
@Injectable()
export class SyncRunsReadRepository {
  constructor(private readonly db: PgConnections) {}

  list(serviceSid: string | null, beforeId: string | null, limit: number): Promise<SyncRunDto[]> {
    const values: unknown[] = [limit];
    const where: string[] = [];
    if (serviceSid !== null) where.push(`x.service_sid = $${values.push(serviceSid)}`);
    if (beforeId !== null) where.push(`x.id < $${values.push(beforeId)}::bigint`);
    return this.db.rows(
      `SELECT ${RUN_COLUMNS} FROM sync_runs x ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY x.id DESC LIMIT $1`,
      values,
    );
  }

  async get(id: string): Promise<SyncRunDetailDto | null> {
    const rows = await this.db.rows<SyncRunDetailDto>(`SELECT ${RUN_COLUMNS}, ${rejectedRecordsSql('x.id')} AS rejected_records FROM sync_runs x WHERE x.id = $1::bigint`, [id]);
    return rows[0] ?? null;
  }
}
