import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * - users.attributes_text: the attributes exactly as Twilio sent them (whitespace, key order, escapes), served by
 *   the Twilio-compatible surface. `attributes` stays jsonb for the filters and their GIN index. Rows written before
 *   this column existed have it NULL: the next crawl that sees them writes it (with their source hash, no event).
 * - users.personal_data_erased_at: when a tombstone's identity, friendly name and attributes were erased (past
 *   DELETED_USER_RETENTION_DAYS, or on request). A partial index finds the tombstones still to erase.
 */
export class ExactAttributesAndErasure1764748800000 implements MigrationInterface {
  name = 'ExactAttributesAndErasure1764748800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN attributes_text text, ADD COLUMN personal_data_erased_at timestamptz`);
    await q.query(`CREATE INDEX users_erasable_idx ON users (deleted_at) WHERE deleted_at IS NOT NULL AND personal_data_erased_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS users_erasable_idx`);
    await q.query(`ALTER TABLE users DROP COLUMN IF EXISTS personal_data_erased_at, DROP COLUMN IF EXISTS attributes_text`);
  }
}
