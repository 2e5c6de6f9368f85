import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * users.observed_at: when the request that read the stored state (or confirmed its deletion) was sent. Twilio's
 * date_updated orders two states of a user only to the second; when two observations carry the same second (a
 * crawl page read just before a change, a webhook's fetch just after it), the later request wins, so the mirror
 * never writes an older state back over a newer one. Null for rows written before it existed.
 * Adding a nullable column without a default rewrites nothing.
 */
export class ObservationOrder1764835200000 implements MigrationInterface {
  name = 'ObservationOrder1764835200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN observed_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN IF EXISTS observed_at`);
  }
}
