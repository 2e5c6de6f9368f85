import { randomBytes } from 'node:crypto';
import { prepareDatabase } from '@app/database';
import { dropTestDatabase, PG_ADMIN_URL } from '../support/test-database';

/** Start-up against a database that does not exist yet, as several roles starting together meet it. */
describe('prepareDatabase', () => {
  const name = `mirror_test_prepare_${randomBytes(4).toString('hex')}`;
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;

  afterAll(() => dropTestDatabase(name));

  it('lets processes starting at once each come up: one creates the database, one migrates it', async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => prepareDatabase(url.toString())));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results.filter((r) => r.migrations.length > 0)).toHaveLength(1);
    // And again once it exists: nothing to create, nothing to migrate.
    expect(await prepareDatabase(url.toString())).toEqual({ created: false, migrations: [] });
  });
});
