import { PgConnections } from '@app/database';
import { Injectable } from '@nestjs/common';

export interface OutboxBacklog {
  /** Events written to the outbox and not yet on the stream. */
  unpublished: number;
  /** Age of the oldest of them; 0 when there are none. */
  lagSeconds: number;
}

/** What the scrape-time gauges read from Postgres: the outbox's backlog, the services' last successes, the accounts. */
@Injectable()
export class MirrorStateRepository {
  constructor(private readonly pg: PgConnections) {}

  /**
   * Sequences are gap-free and the relay publishes them in order, so the backlog is the distance between the
   * two watermarks and the oldest unpublished event is the one right after relay_state.published_through.
   */
  async outboxBacklog(): Promise<OutboxBacklog> {
    const [row] = await this.pg.rows<{ unpublished: string; lag: number | null }>(
      `SELECT (e.last - r.published_through)::text AS unpublished,
              (SELECT extract(epoch FROM now() - u.time)::float8 FROM user_events u WHERE u.sequence = r.published_through + 1) AS lag
       FROM event_sequence e, relay_state r`,
    );
    return { unpublished: Math.max(0, Number(row.unpublished)), lagSeconds: Math.max(0, row.lag ?? 0) };
  }

  async lastSuccesses(): Promise<{ serviceSid: string; at: number }[]> {
    const rows = await this.pg.rows<{ sid: string; at: number }>(
      'SELECT sid, extract(epoch FROM last_success_at)::float8 AS at FROM services WHERE last_success_at IS NOT NULL',
    );
    return rows.map((r) => ({ serviceSid: r.sid, at: r.at }));
  }

  /** Accounts the mirror knows of (an api-only process has no Twilio configuration of its own). */
  async accountSids(): Promise<string[]> {
    const rows = await this.pg.rows<{ sid: string }>('SELECT sid FROM accounts UNION SELECT account_sid FROM services ORDER BY 1');
    return rows.map((r) => r.sid);
  }
}
