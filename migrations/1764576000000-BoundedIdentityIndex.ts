import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The identity index on the first 512 characters of an identity instead of all of it. A btree entry holds at
 * most 2,704 bytes, and Twilio sets no length on identities: a user whose identity was longer (some 900 CJK
 * characters) could not be stored at all. 512 characters are at most 2,048 bytes. Queries compare the indexed
 * prefix, then the whole identity (see libs/read-api/src/users/identity-sql.ts).
 */
export class BoundedIdentityIndex1764576000000 implements MigrationInterface {
  name = 'BoundedIdentityIndex1764576000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS users_service_identity_prefix_idx ON users (chat_service_sid, left(identity, 512) text_pattern_ops)`);
    await q.query(`DROP INDEX IF EXISTS users_service_identity_pattern_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Fails, as before this migration, if an identity is too long for a whole-value entry.
    await q.query(`CREATE INDEX IF NOT EXISTS users_service_identity_pattern_idx ON users (chat_service_sid, identity text_pattern_ops)`);
    await q.query(`DROP INDEX IF EXISTS users_service_identity_prefix_idx`);
  }
}
