import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764230400000 implements MigrationInterface {
  name = 'InitialSchema1764230400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE accounts (
        sid         varchar(34) PRIMARY KEY,
        status      text NOT NULL DEFAULT 'ok',
        last_error  text,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE services (
        sid              varchar(34) PRIMARY KEY,
        account_sid      varchar(34) NOT NULL,
        friendly_name    text,
        enabled          boolean NOT NULL DEFAULT true,
        removed_at       timestamptz,
        last_run_id      bigint,
        last_run_status  text,
        last_success_at  timestamptz,
        user_count       integer NOT NULL DEFAULT 0,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
    // identity is deliberately not unique: a user can be deleted and re-created with the same identity between crawls.
    await q.query(`
      CREATE TABLE users (
        sid               varchar(34) PRIMARY KEY,
        account_sid       varchar(34),
        chat_service_sid  varchar(34) NOT NULL,
        role_sid          varchar(34),
        identity          text,
        friendly_name     text,
        attributes        jsonb,
        is_online         boolean,
        is_notifiable     boolean,
        date_created      timestamptz,
        date_updated      timestamptz,
        url               text,
        links             jsonb,
        content_hash      text NOT NULL,
        version           integer NOT NULL DEFAULT 1,
        first_seen_at     timestamptz NOT NULL DEFAULT now(),
        changed_at        timestamptz NOT NULL DEFAULT now(),
        deleted_at        timestamptz
      )`);
    await q.query(`CREATE INDEX users_service_sid_idx ON users (chat_service_sid, sid)`);
    await q.query(`CREATE INDEX users_service_identity_idx ON users (chat_service_sid, identity)`);
    await q.query(`
      CREATE TABLE sync_runs (
        id              bigserial PRIMARY KEY,
        crawl_id        bigint NOT NULL,
        account_sid     varchar(34) NOT NULL,
        service_sid     varchar(34) NOT NULL,
        status          text NOT NULL,
        trigger         text NOT NULL,
        started_at      timestamptz NOT NULL DEFAULT now(),
        finished_at     timestamptz,
        checkpoint_url  text,
        pages           integer NOT NULL DEFAULT 0,
        requests        integer NOT NULL DEFAULT 0,
        throttled       integer NOT NULL DEFAULT 0,
        retries         integer NOT NULL DEFAULT 0,
        users_seen      integer NOT NULL DEFAULT 0,
        rejected        integer NOT NULL DEFAULT 0,
        created         integer NOT NULL DEFAULT 0,
        updated         integer NOT NULL DEFAULT 0,
        unchanged       integer NOT NULL DEFAULT 0,
        deleted         integer NOT NULL DEFAULT 0,
        error           text
      )`);
    await q.query(`CREATE INDEX sync_runs_service_idx ON sync_runs (service_sid, id)`);
    // At most one running run per service: the database backs up the queue's deduplication.
    await q.query(`CREATE UNIQUE INDEX sync_runs_one_running_idx ON sync_runs (service_sid) WHERE status = 'running'`);
    // Which users a crawl saw, for the deletion sweep. Unlogged: it is scratch state that must not churn WAL;
    // if Postgres crashes and empties it, the sweep only confirms more candidates by point fetch.
    await q.query(`
      CREATE UNLOGGED TABLE sync_seen (
        crawl_id  bigint NOT NULL,
        sid       varchar(34) NOT NULL,
        PRIMARY KEY (crawl_id, sid)
      )`);
    // The outbox. sequence comes from event_sequence, whose single row is locked until commit, so sequences
    // are gap-free and in commit order (a bigserial is neither).
    await q.query(`CREATE TABLE event_sequence (id boolean PRIMARY KEY DEFAULT true CHECK (id), last bigint NOT NULL)`);
    await q.query(`INSERT INTO event_sequence (id, last) VALUES (true, 0)`);
    await q.query(`
      CREATE TABLE user_events (
        sequence      bigint PRIMARY KEY,
        id            uuid NOT NULL,
        type          text NOT NULL,
        account_sid   varchar(34) NOT NULL,
        service_sid   varchar(34) NOT NULL,
        user_sid      varchar(34) NOT NULL,
        run_id        bigint,
        time          timestamptz NOT NULL,
        data          jsonb NOT NULL
      )`);
    // How far the relay has published, as one watermark: the relay publishes strictly in sequence order,
    // so marking each event row would only rewrite every event once more.
    await q.query(`CREATE TABLE relay_state (id boolean PRIMARY KEY DEFAULT true CHECK (id), published_through bigint NOT NULL)`);
    await q.query(`INSERT INTO relay_state (id, published_through) VALUES (true, 0)`);
    // Single-row tables: without statistics the planner guesses thousands of rows and plans for them.
    await q.query(`ANALYZE relay_state`);
    await q.query(`ANALYZE event_sequence`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['relay_state', 'user_events', 'event_sequence', 'sync_seen', 'sync_runs', 'users', 'services', 'accounts']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
