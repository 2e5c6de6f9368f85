import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What makes a re-crawl of unchanged users cheap.
 *
 * users.source_hash replaces content_hash: a hash of the fields exactly as Twilio sent them (attributes as
 * its text), so an unchanged user is recognised without parsing or canonicalising anything. When it differs,
 * the crawl compares the fields with the stored row (attributes as JSON values), which it loads anyway for
 * the event's `before`. Rows written before this column existed have NULL there: the first crawl that finds
 * one unchanged writes its hash alone (no new version, no event).
 *
 * sync_seen: one row per page (its sids as an array) instead of one row per user, so a page of a crawl adds
 * one tuple and no index entries per user. The deletion sweep unnests them.
 */
export class CheapRecrawl1764489600000 implements MigrationInterface {
  name = 'CheapRecrawl1764489600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN source_hash text`);
    await q.query(`ALTER TABLE users DROP COLUMN content_hash`);
    await q.query(`ALTER TABLE sync_seen RENAME TO sync_seen_by_user`);
    await q.query(`ALTER INDEX sync_seen_pkey RENAME TO sync_seen_by_user_pkey`);
    // Unlogged scratch state, as before: if Postgres crashes and empties it, the sweep confirms more candidates.
    await q.query(`CREATE UNLOGGED TABLE sync_seen (crawl_id bigint NOT NULL, sids varchar(34)[] NOT NULL)`);
    await q.query(`CREATE INDEX sync_seen_crawl_idx ON sync_seen (crawl_id)`);
    // A crawl in progress keeps what it saw.
    await q.query(`INSERT INTO sync_seen (crawl_id, sids) SELECT crawl_id, array_agg(sid) FROM sync_seen_by_user GROUP BY crawl_id`);
    await q.query(`DROP TABLE sync_seen_by_user`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sync_seen RENAME TO sync_seen_by_page`);
    await q.query(`
      CREATE UNLOGGED TABLE sync_seen (
        crawl_id  bigint NOT NULL,
        sid       varchar(34) NOT NULL,
        PRIMARY KEY (crawl_id, sid)
      )`);
    await q.query(
      `INSERT INTO sync_seen (crawl_id, sid) SELECT DISTINCT crawl_id, unnest(sids) FROM sync_seen_by_page ON CONFLICT DO NOTHING`,
    );
    await q.query(`DROP TABLE sync_seen_by_page`);
    await q.query(`ALTER TABLE users DROP COLUMN source_hash`);
    // The canonical hash is not recomputed here: '' never matches, so the older code compares fields instead.
    await q.query(`ALTER TABLE users ADD COLUMN content_hash text NOT NULL DEFAULT ''`);
  }
}
