/**
 * bench/full-crawl: mirror 100,000 users of one service from the simulator (no added latency) and compare
 * with the limit: the same pages fetched by a bare HTTP loop, plus the same rows written by a raw-SQL bulk
 * upsert per page. Target: full crawl ≤ 1.5 × (fetch-only + upsert-only).
 *
 *   npm run build && node dist/bench/full-crawl.js [users]
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { request } from 'undici';
import { CrawlQueue } from '@app/queue';
import { startMirror } from '../apps/mirror/src/bootstrap';
import { benchConfig, benchDatabase, benchPrefix, fmt, SIM_ACCOUNT, SIM_TOKEN, startSimProcess } from './support/bench-env';

const USERS = Number(process.argv[2] ?? 100_000);

async function fetchOnly(firstUrl: string): Promise<{ ms: number; pages: any[][] }> {
  const auth = 'Basic ' + Buffer.from(`${SIM_ACCOUNT}:${SIM_TOKEN}`).toString('base64');
  const pages: any[][] = [];
  const t0 = performance.now();
  let url: string | null = firstUrl;
  while (url) {
    const res = await request(url, { headers: { authorization: auth, accept: 'application/json' } });
    const body: any = JSON.parse(await res.body.text());
    pages.push(body.users);
    url = body.meta.next_page_url;
  }
  return { ms: performance.now() - t0, pages };
}

async function upsertOnly(pages: any[][]): Promise<number> {
  const db = await benchDatabase('upsert');
  const c = new Client({ connectionString: db.url });
  await c.connect();
  const t0 = performance.now();
  for (const users of pages) {
    const col = (f: (u: any) => unknown) => users.map(f);
    await c.query(
      `INSERT INTO users (sid, account_sid, chat_service_sid, role_sid, identity, friendly_name, attributes, is_online, is_notifiable,
                          date_created, date_updated, url, links, source_hash)
       SELECT t.sid, t.a, t.s, t.r, t.i, t.f, t.attr::jsonb, t.o, t.n, t.dc, t.du, t.url, t.l::jsonb, t.h
       FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::text[], $6::text[], $7::text[], $8::boolean[],
                   $9::boolean[], $10::timestamptz[], $11::timestamptz[], $12::text[], $13::text[], $14::text[])
         AS t(sid, a, s, r, i, f, attr, o, n, dc, du, url, l, h)
       ON CONFLICT (sid) DO UPDATE SET friendly_name = EXCLUDED.friendly_name, attributes = EXCLUDED.attributes,
         date_updated = EXCLUDED.date_updated, source_hash = EXCLUDED.source_hash`,
      [
        col((u) => u.sid), col((u) => u.account_sid), col((u) => u.chat_service_sid), col((u) => u.role_sid),
        col((u) => u.identity), col((u) => u.friendly_name), col((u) => u.attributes), col((u) => u.is_online),
        col((u) => u.is_notifiable), col((u) => u.date_created), col((u) => u.date_updated), col((u) => u.url),
        col((u) => JSON.stringify(u.links)), col((u) => u.sid),
      ],
    );
  }
  const ms = performance.now() - t0;
  await c.end();
  await db.drop();
  return ms;
}

async function fullCrawl(simUrl: string, serviceSid: string): Promise<{ ms: number; run: any }> {
  const db = await benchDatabase('crawl');
  const redis = benchPrefix('crawl');
  const config = benchConfig(db.url, redis.prefix, { TWILIO_BASE_URL: simUrl, ROLES: 'worker' });
  const mirror = await startMirror(config);
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    const t0 = performance.now();
    await mirror.app.get(CrawlQueue).enqueue(SIM_ACCOUNT, serviceSid, 'manual');
    for (;;) {
      const { rows } = await pg.query(`SELECT * FROM sync_runs WHERE status <> 'running'`);
      if (rows.length) return { ms: performance.now() - t0, run: rows[0] };
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await pg.end();
    await mirror.close();
    await db.drop();
    await redis.cleanup();
  }
}

async function main() {
  console.log(`bench/full-crawl: ${fmt(USERS)} users, 1 service, simulator in its own process, no added latency`);
  const sim = await startSimProcess({ SIM_SERVICES: `1x${USERS}`, SIM_SEED: '5' });
  try {
    const serviceSid = sim.services[0];
    const first = `${sim.url}/v1/Services/${serviceSid}/Users?PageSize=50`;
    await fetchOnly(first); // warm the simulator's caches and the JIT; not measured
    const fetched = await fetchOnly(first);
    const upsertMs = await upsertOnly(fetched.pages);
    const crawl = await fullCrawl(sim.url, serviceSid);
    const limit = fetched.ms + upsertMs;
    console.log(`pages: ${fmt(fetched.pages.length)}  run status: ${crawl.run.status}  users seen: ${fmt(crawl.run.users_seen)}  created: ${fmt(crawl.run.created)}`);
    console.log(`fetch-only  (bare HTTP loop):        ${fmt(fetched.ms)} ms  ${fmt((USERS / fetched.ms) * 1000)} users/s`);
    console.log(`upsert-only (raw SQL bulk per page): ${fmt(upsertMs)} ms  ${fmt((USERS / upsertMs) * 1000)} users/s`);
    console.log(`full crawl  (scheduler→queue→worker→Postgres, diff + outbox + checkpoint): ${fmt(crawl.ms)} ms  ${fmt((USERS / crawl.ms) * 1000)} users/s`);
    console.log(`ratio full / (fetch + upsert) = ${fmt(crawl.ms / limit, 2)}  (target ≤ 1.50)`);
  } finally {
    await sim.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
