require('reflect-metadata');
const { DataSource } = require('typeorm');
const { dataSourceOptions } = require('./dist/libs/database/src');
const { benchDatabase } = require('./dist/bench/support/bench-env');
const { UsersRepository } = require('./dist/libs/sync/src/users.repository');
const { SyncRunsRepository } = require('./dist/libs/sync/src/sync-runs.repository');
const { PageWriter } = require('./dist/libs/sync/src/page-writer.service');
const { OutboxRepository } = require('./dist/libs/events/src/outbox.repository');
(async () => {
  const db = await benchDatabase('pw');
  const ds = new DataSource(dataSourceOptions(db.url, 5)); await ds.initialize();
  const runs = new SyncRunsRepository(ds);
  const w = new PageWriter(ds, new UsersRepository(), runs, new OutboxRepository());
  const { run } = await runs.startOrResume('AC'+'1'.repeat(32), 'IS'+'1'.repeat(32), 'manual', 'http://x');
  const ctx = { runId: run.id, crawlId: run.crawlId, accountSid: run.accountSid, serviceSid: run.serviceSid };
  const mk = (i) => ({ sid: 'US' + i.toString(16).padStart(32,'0'), account_sid: 'AC'+'1'.repeat(32), chat_service_sid: 'IS'+'1'.repeat(32), role_sid: null, identity: 'user'+i, friendly_name: 'User '+i, attributes: JSON.stringify({a:i, nested:{b:[1,2,3], c:'x'.repeat(100)}}), is_online: null, is_notifiable: null, date_created: '2020-01-01T00:00:00Z', date_updated: '2020-01-01T00:00:00Z', url: 'http://x/v1/Services/IS/Users/US'+i, links: { user_conversations: 'http://x/Conversations' } });
  const pages = []; for (let p = 0; p < 400; p++) { const items = []; for (let i = 0; i < 50; i++) items.push(mk(p*50+i)); pages.push(items); }
  for (const pass of ['create','noop']) {
    const t0 = performance.now();
    for (const items of pages) await w.writePage(ctx, items, [], 'http://next', {requests:1,throttled:0,retries:0});
    console.log(pass, ((performance.now()-t0)/400).toFixed(2), 'ms/page');
  }
  await ds.destroy(); await db.drop();
})();
