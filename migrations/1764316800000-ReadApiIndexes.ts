import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One index per read-API filter, so that no filter ever scans a service's users. Lists are ordered by sid
 * (immutable, so keyset pages stay correct while the crawler writes); each filter's index narrows the rows.
 * Plain CREATE INDEX: migrations run in a transaction, which CONCURRENTLY cannot. On a large existing
 * mirror, create these by hand with CONCURRENTLY first; IF NOT EXISTS then makes this migration a no-op.
 */
export class ReadApiIndexes1764316800000 implements MigrationInterface {
  name = 'ReadApiIndexes1764316800000';

  async up(q: QueryRunner): Promise<void> {
    // Trusted extension since PostgreSQL 13: a database owner may create it without superuser.
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    // text_pattern_ops serves both identity = $1 and identity LIKE 'prefix%' in any collation, so it
    // replaces the plain (chat_service_sid, identity) index rather than adding a second one per row.
    await q.query(`CREATE INDEX IF NOT EXISTS users_service_identity_pattern_idx ON users (chat_service_sid, identity text_pattern_ops)`);
    await q.query(`DROP INDEX IF EXISTS users_service_identity_idx`);
    // sid last: a role filter walks the index in list order and stops after one page.
    await q.query(`CREATE INDEX IF NOT EXISTS users_service_role_idx ON users (chat_service_sid, role_sid, sid)`);
    await q.query(`CREATE INDEX IF NOT EXISTS users_service_changed_idx ON users (chat_service_sid, changed_at)`);
    // Tombstones are few: a partial index keeps "deleted only" cheap without indexing every live row again.
    await q.query(`CREATE INDEX IF NOT EXISTS users_service_deleted_idx ON users (chat_service_sid, sid) WHERE deleted_at IS NOT NULL`);
    // jsonb_path_ops: smaller and faster than the default opclass, and @> is the only operator we offer.
    await q.query(`CREATE INDEX IF NOT EXISTS users_attributes_idx ON users USING gin (attributes jsonb_path_ops)`);
    // One trigram index over both searched fields rather than one per field: about half the write cost for the
    // crawler. The unit separator (U+001F, refused in search text) keeps a match from spanning the two fields.
    await q.query(
      `CREATE INDEX IF NOT EXISTS users_search_trgm_idx ON users USING gin ((coalesce(friendly_name, '') || E'\\x1f' || coalesce(identity, '')) gin_trgm_ops)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS users_service_identity_idx ON users (chat_service_sid, identity)`);
    for (const name of [
      'users_search_trgm_idx',
      'users_attributes_idx',
      'users_service_deleted_idx',
      'users_service_changed_idx',
      'users_service_role_idx',
      'users_service_identity_pattern_idx',
    ]) {
      await q.query(`DROP INDEX IF EXISTS ${name}`);
    }
    // pg_trgm stays: other objects may have come to depend on it.
  }
}
