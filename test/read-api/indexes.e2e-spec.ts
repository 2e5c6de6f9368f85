import { DataSource } from 'typeorm';
import { userListQuery, UserListFilters } from '../../libs/read-api/src/users/user-list.query';
import { userLookupSql } from '../../libs/read-api/src/users/user-lookup.query';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const A = 'IS' + 'a'.repeat(32);
const B = 'IS' + 'b'.repeat(32);
const US = (i: number) => 'US' + i.toString(16).padStart(32, '0');
const RL = (i: number) => 'RL' + i.toString(16).padStart(32, '0');
const USERS = 60_000;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

async function explain(ds: DataSource, text: string, values: unknown[]): Promise<{ indexes: string[]; seqScans: string[]; plan: PlanNode }> {
  // Costs of the SSDs a mirror runs on (random_page_cost 1.1, as PostgreSQL's docs advise for them): with
  // the spinning-disk default of 4, the planner sometimes walks the primary key past a rare jsonb match
  // instead of asking the GIN index, depending on ANALYZE's sample.
  const plan = await ds.transaction(async (m) => {
    await m.query('SET LOCAL random_page_cost = 1.1');
    const [{ 'QUERY PLAN': [{ Plan: p }] }] = await m.query(`EXPLAIN (FORMAT JSON) ${text}`, values);
    return p as PlanNode;
  });
  const all = nodes(plan);
  return {
    indexes: all.filter((n) => n['Index Name']).map((n) => n['Index Name']!),
    // event_sequence is one row (the page's as_of_sequence): reading it whole is its cheapest plan.
    seqScans: all.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] !== 'event_sequence').map((n) => n['Relation Name']!),
    plan,
  };
}

/**
 * Every filter of the read API is served by an index: on a mirror big enough (60,000 users, 6,000 runs)
 * that the planner prefers an index whenever one fits, the plan of each query the API sends names the
 * index made for that filter and scans no table sequentially.
 */
describe('read API: every filter is served by an index (EXPLAIN)', () => {
  let db: TestDatabase;
  const base: UserListFilters = { deleted: 'exclude' };

  beforeAll(async () => {
    db = await createTestDatabase('readapi_explain');
    // One statement: 48,000 users in A and 12,000 in B, every filter with a selective value to find.
    await db.dataSource.query(
      `INSERT INTO users (sid, account_sid, chat_service_sid, role_sid, identity, friendly_name, attributes, date_created, date_updated, source_hash, changed_at, deleted_at)
       SELECT 'US' || lpad(to_hex(i), 32, '0'), 'AC' || repeat('a', 32), CASE WHEN i % 5 = 0 THEN $2 ELSE $1 END,
              'RL' || lpad(to_hex(i % 40), 32, '0'), 'user' || i || '@example.com',
              'User ' || i || CASE WHEN i % 1000 = 7 THEN ' Zebra' ELSE '' END,
              jsonb_build_object('plan', CASE WHEN i % 997 = 0 THEN 'enterprise' ELSE (ARRAY['free', 'pro', 'team'])[i % 3 + 1] END, 'n', i),
              now() - interval '1 year', now() - interval '1 year', 'seed',
              now() - make_interval(mins => i), CASE WHEN i % 301 = 0 THEN now() END
       FROM generate_series(1, ${USERS}) AS i`,
      [A, B],
    );
    await db.dataSource.query(
      `INSERT INTO sync_runs (crawl_id, account_sid, service_sid, status, trigger)
       SELECT i, 'AC' || repeat('a', 32), 'IS' || lpad(to_hex(i % 300), 32, '0'), 'succeeded', 'schedule' FROM generate_series(1, 6000) AS i`,
    );
    // ANALYZE samples 300 rows per unit of statistics target: at the default (100) it reads half of this table,
    // chosen at random, and a rare value's selectivity, hence the plan, changed from run to run (a pkey walk
    // past the rare jsonb match about one run in eight). A target that samples every row makes them repeatable.
    await db.dataSource.transaction(async (m) => {
      await m.query('SET LOCAL default_statistics_target = 1000');
      await m.query('ANALYZE users');
      await m.query('ANALYZE sync_runs');
    });
  });
  afterAll(() => db?.drop());

  // Walking either sid-ordered index (the service's, or the primary key when the service is most of the table)
  // serves an unfiltered page; which one is the planner's call on the statistics.
  const SID_ORDER = ['users_service_sid_idx', 'users_pkey'];
  const listCases: [string, UserListFilters, string | null, string | string[]][] = [
    ['no filter (live users in sid order)', base, null, SID_ORDER],
    ['keyset cursor', base, US(30_000), SID_ORDER],
    ['identity exact', { ...base, identity: 'user12346@example.com' }, null, 'users_service_identity_prefix_idx'],
    ['identity prefix', { ...base, identityPrefix: 'user1234' }, null, 'users_service_identity_prefix_idx'],
    ['role sid', { ...base, roleSid: RL(7) }, null, 'users_service_role_idx'],
    ['role sid after a cursor', { ...base, roleSid: RL(7) }, US(30_000), 'users_service_role_idx'],
    ['attributes containment', { ...base, attributes: '{"plan":"enterprise"}' }, null, 'users_attributes_idx'],
    ['text search (friendly name or identity)', { ...base, q: 'zebra' }, null, 'users_search_trgm_idx'],
    ['updated since', { ...base, updatedSince: new Date(Date.now() - 30 * 60_000).toISOString() }, null, 'users_service_changed_idx'],
    ['deleted only', { deleted: 'only' }, null, 'users_service_deleted_idx'],
    ['deleted included', { deleted: 'include' }, null, SID_ORDER],
  ];

  it.each(listCases)('%s', async (name, filters, after, index) => {
    const { text, values } = userListQuery(A, filters, after, 101);
    const { indexes, seqScans, plan } = await explain(db.dataSource, text, values);
    // EXPLAIN_REPORT=1 prints each plan's shape, for the docs.
    if (process.env.EXPLAIN_REPORT) console.log(`${name}: ${nodes(plan).map((n) => n['Node Type'] + (n['Index Name'] ? ` on ${n['Index Name']}` : '')).join(' → ')}`);
    const wanted = Array.isArray(index) ? index : [index];
    expect({ seqScans, usesWanted: indexes.some((i) => wanted.includes(i)), indexes }).toEqual({ seqScans: [], usesWanted: true, indexes });
    // The query really runs and finds what the filter selects.
    const rows = await db.dataSource.query(text, values);
    expect(rows.length).toBeGreaterThan(0);
    expect(plan).toBeDefined();
  });

  it('lookups by sid, by identity and by either use the primary key and the identity index, as the API sends them', async () => {
    const cases: [string, unknown[], string[]][] = [
      ['SELECT sid FROM users u WHERE u.sid = $1 AND u.deleted_at IS NULL', [US(5)], ['users_pkey']],
      [userLookupSql('u.sid', 'user5@example.com', false), [B, 'user5@example.com'], ['users_service_identity_prefix_idx']],
      [userLookupSql('u.sid', US(5), false), [B, US(5)], ['users_pkey', 'users_service_identity_prefix_idx']],
    ];
    for (const [text, values, expected] of cases) {
      const { indexes, seqScans } = await explain(db.dataSource, text, values);
      expect({ text, indexes, seqScans }).toEqual({ text, indexes: expect.arrayContaining(expected), seqScans: [] });
    }
  });

  it('sync runs latest first, per service and overall, walk an index backwards', async () => {
    const perService = await explain(db.dataSource, 'SELECT id FROM sync_runs x WHERE x.service_sid = $2 ORDER BY x.id DESC LIMIT $1', [101, 'IS' + '7'.padStart(32, '0')]);
    expect(perService).toMatchObject({ indexes: ['sync_runs_service_idx'], seqScans: [] });
    const all = await explain(db.dataSource, 'SELECT id FROM sync_runs x WHERE x.id < $2::bigint ORDER BY x.id DESC LIMIT $1', [101, '3000']);
    expect(all).toMatchObject({ indexes: ['sync_runs_pkey'], seqScans: [] });
  });
});
