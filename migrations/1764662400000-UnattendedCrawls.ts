import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a crawl needs to keep going unattended, and to say what it did:
 * - sync_runs.note: why a run did not simply resume (a checkpoint set aside after failing run after run);
 * - sync_rejections: the records a run could not mirror, with why (the run's counter says how many; the first
 *   REJECTIONS_KEPT_PER_RUN are kept here for the API).
 */
export class UnattendedCrawls1764662400000 implements MigrationInterface {
  name = 'UnattendedCrawls1764662400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sync_runs ADD COLUMN note text`);
    await q.query(`
      CREATE TABLE sync_rejections (
        run_id      bigint NOT NULL,
        service_sid varchar(34) NOT NULL,
        user_sid    text,
        reason      text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sync_rejections_run_idx ON sync_rejections (run_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS sync_rejections`);
    await q.query(`ALTER TABLE sync_runs DROP COLUMN IF EXISTS note`);
  }
}
