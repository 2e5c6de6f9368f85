import { PgConnections } from '@app/database';
import { Injectable } from '@nestjs/common';

/** What the deletion sweep reads: the live users a crawl did not see. */
@Injectable()
export class SweepRepository {
  constructor(private readonly pg: PgConnections) {}

  /** Live users of the service that the crawl did not see, in sid order, a batch at a time. */
  async unseen(serviceSid: string, crawlId: string, afterSid: string, limit: number): Promise<string[]> {
    const rows = await this.pg.rows<{ sid: string }>(
      // EXCEPT, not NOT EXISTS: with the LIMIT the planner would probe the unindexed seen set once per user.
      `(SELECT u.sid FROM users u WHERE u.chat_service_sid = $1 AND u.deleted_at IS NULL AND u.sid > $3
        EXCEPT SELECT unnest(sids) FROM sync_seen WHERE crawl_id = $2)
       ORDER BY 1 LIMIT $4`,
      [serviceSid, crawlId, afterSid, limit],
    );
    return rows.map((r) => r.sid);
  }

  async countLive(serviceSid: string): Promise<number> {
    const [{ n }] = await this.pg.rows<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE chat_service_sid = $1 AND deleted_at IS NULL', [
      serviceSid,
    ]);
    return n;
  }
}
