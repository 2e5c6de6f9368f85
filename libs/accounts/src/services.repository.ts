import { Injectable } from '@nestjs/common';
import { PgConnections } from '@app/database';

/** services and accounts: what the scheduler found and how each account's and service's last crawl went. */
@Injectable()
export class ServicesRepository {
  constructor(private readonly pg: PgConnections) {}

  async upsertDiscovered(accountSid: string, services: { sid: string; friendlyName: string | null }[]): Promise<void> {
    if (!services.length) return;
    await this.pg.rows(
      `INSERT INTO services (sid, account_sid, friendly_name)
       SELECT t.sid, $1, t.friendly_name FROM unnest($2::varchar[], $3::text[]) AS t(sid, friendly_name)
       ON CONFLICT (sid) DO UPDATE SET
         friendly_name = COALESCE(EXCLUDED.friendly_name, services.friendly_name),
         removed_at = NULL,
         updated_at = now()
       WHERE services.friendly_name IS DISTINCT FROM COALESCE(EXCLUDED.friendly_name, services.friendly_name)
          OR services.removed_at IS NOT NULL`,
      [accountSid, services.map((s) => s.sid), services.map((s) => s.friendlyName)],
    );
  }

  /** After a full discovery: services of the account that are no longer listed are marked removed (never deleted). */
  async markUnlisted(accountSid: string, listed: string[]): Promise<void> {
    await this.pg.rows(
      `UPDATE services SET removed_at = now(), updated_at = now()
       WHERE account_sid = $1 AND removed_at IS NULL AND NOT (sid = ANY($2::varchar[]))`,
      [accountSid, listed],
    );
  }

  async disabledServiceSids(): Promise<Set<string>> {
    const rows = await this.pg.rows<{ sid: string }>('SELECT sid FROM services WHERE enabled = false');
    return new Set(rows.map((r: { sid: string }) => r.sid));
  }

  async recordRun(serviceSid: string, accountSid: string, runId: string, status: string, userCount: number | null): Promise<void> {
    await this.pg.rows(
      `INSERT INTO services (sid, account_sid, last_run_id, last_run_status, last_success_at, user_count)
       VALUES ($1, $2, $3, $4, CASE WHEN $4 = 'succeeded' THEN now() END, COALESCE($5, 0))
       ON CONFLICT (sid) DO UPDATE SET
         last_run_id = EXCLUDED.last_run_id,
         last_run_status = EXCLUDED.last_run_status,
         last_success_at = COALESCE(EXCLUDED.last_success_at, services.last_success_at),
         user_count = COALESCE($5, services.user_count),
         removed_at = CASE WHEN $4 = 'removed' THEN COALESCE(services.removed_at, now()) ELSE NULL END,
         updated_at = now()`,
      [serviceSid, accountSid, runId, status, userCount],
    );
  }

  /** Crawls a run says are in progress: each should have a job in the queue. */
  async runningCrawls(): Promise<{ accountSid: string; serviceSid: string; runId: string }[]> {
    return this.pg.rows(`SELECT account_sid AS "accountSid", service_sid AS "serviceSid", id::text AS "runId" FROM sync_runs WHERE status = 'running'`);
  }

  async markAccount(accountSid: string, status: 'ok' | 'unhealthy', error: string | null): Promise<void> {
    await this.pg.rows(
      `INSERT INTO accounts (sid, status, last_error, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (sid) DO UPDATE SET status = EXCLUDED.status, last_error = EXCLUDED.last_error, updated_at = now()
       WHERE accounts.status IS DISTINCT FROM EXCLUDED.status OR accounts.last_error IS DISTINCT FROM EXCLUDED.last_error`,
      [accountSid, status, error],
    );
  }
}
