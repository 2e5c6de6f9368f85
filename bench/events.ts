/**
 * bench/events: the user-changed event path.
 *   1. relay throughput: events per second from the outbox to the Redis Stream (a backlog of 50,000).
 *   2. commit-to-consumer latency: pages of 50 events committed at a steady rate, timed from just before each
 *      COMMIT to the moment an XREAD consumer sees the page's last event; p50 / p99.
 *   3. no-op re-crawl of 100,000 unchanged users against a bare fetch-only loop over the same pages: rows
 *      written and events must be zero.
 * Targets: ≥ 10,000 events/s, p99 < 500 ms, no-op re-crawl ≤ 1.2 × fetch-only.
 *
 *   npm run build && node dist/bench/events.js [events=50000] [users=100000]
 *   BENCH_PARTS=relay,latency,recrawl picks the parts (default: all three).
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { request } from 'undici';
import { AppConfig, ConfigModule } from '@app/config';
import { dataSourceOptions } from '@app/database';
import { DEFAULT_RELAY_OPTIONS, EventsRelayModule, OutboxRelay, UserChange } from '@app/events';
import { appendEvents } from '@app/mirror-writer';
import { createRootLogger, LoggerModule } from '@app/logger';
import { CrawlQueue, QueueModule } from '@app/queue';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { startMirror } from '../apps/mirror/src/bootstrap';
import { benchConfig, benchDatabase, benchPrefix, fmt, REDIS_URL, SIM_ACCOUNT, SIM_TOKEN, startSimProcess } from './support/bench-env';
import { renamedPage } from './support/bench-events';

const EVENTS = Number(process.argv[2] ?? 50_000);
const USERS = Number(process.argv[3] ?? 100_000);
const PAGE = 50;
const SERVICE = 'IS' + 'e'.repeat(32);

function eventsConfig(db: string, prefix: string, extra: Record<string, string> = {}): AppConfig {
  return benchConfig(db, prefix, { ROLES: 'worker', ...extra });
}

async function startRelay(config: AppConfig): Promise<INestApplicationContext> {
  @Module({
    imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(createRootLogger(config.logLevel, 'bench')), QueueModule, EventsRelayModule],
  })
  class RelayOnly {}
  const app = await NestFactory.createApplicationContext(RelayOnly, { logger: false });
  return app;
}

const page = (from: number): UserChange[] => renamedPage(from, PAGE, SERVICE);

const ctx = { accountSid: SIM_ACCOUNT, serviceSid: SERVICE, runId: null };

async function relayThroughput(): Promise<void> {
  const db = await benchDatabase('events_relay');
  const redis = benchPrefix('events-relay');
  const ds = new DataSource(dataSourceOptions(db.url, 4));
  await ds.initialize();
  const config = eventsConfig(db.url, redis.prefix);
  const app = await startRelay(config);
  const relay = app.get(OutboxRelay);
  await relay.stop(); // started once on the empty outbox, so the figure excludes Nest's start-up
  try {
    const t0 = performance.now();
    for (let n = 0; n < EVENTS; n += PAGE) await ds.transaction((m) => appendEvents(m, ctx, page(n)));
    const writeMs = performance.now() - t0;
    console.log(`outbox written: ${fmt(EVENTS)} events in ${fmt(EVENTS / PAGE)} page transactions, ${fmt(writeMs)} ms (${fmt((EVENTS / writeMs) * 1000)} events/s, not part of the figure)`);

    const t1 = performance.now();
    relay.start();
    while (relay.publishedCount < EVENTS) await new Promise((r) => setTimeout(r, 5));
    const relayMs = performance.now() - t1;
    const probe = new Redis(REDIS_URL);
    const length = await probe.xlen(config.events.stream);
    probe.disconnect();
    let n = -1;
    for (let i = 0; i < 200 && n !== 0; i++) {
      [{ n }] = await ds.query('SELECT count(*)::int AS n FROM user_events WHERE sequence > (SELECT published_through FROM relay_state)'); // the last mark lands just after
      if (n) await new Promise((r) => setTimeout(r, 10));
    }
    console.log(
      `relay throughput: ${fmt(EVENTS)} events outbox → stream in ${fmt(relayMs)} ms = ${fmt((EVENTS / relayMs) * 1000)} events/s ` +
        `(batch ${DEFAULT_RELAY_OPTIONS.batchSize}, leader election included; stream length ${fmt(length)}, unpublished left ${n})  target ≥ 10,000`,
    );
  } finally {
    await app.close();
    await ds.destroy();
    await db.drop();
    await redis.cleanup();
  }
}

async function commitToConsumer(): Promise<void> {
  const PAGES = 200;
  const INTERVAL_MS = 50;
  const db = await benchDatabase('events_latency');
  const redis = benchPrefix('events-latency');
  const ds = new DataSource(dataSourceOptions(db.url, 4));
  await ds.initialize();
  const config = eventsConfig(db.url, redis.prefix);
  const app = await startRelay(config);
  const consumer = new Redis(REDIS_URL);
  const seen = new Map<number, number>();
  let reading = true;
  const reader = (async () => {
    let last = '0-0';
    while (reading) {
      const reply = (await consumer.xread('COUNT', 1000, 'BLOCK', 200, 'STREAMS', config.events.stream, last)) as [string, [string, string[]][]][] | null;
      const now = performance.now();
      for (const [id] of reply?.[0]?.[1] ?? []) {
        seen.set(Number(id.slice(0, id.indexOf('-'))), now);
        last = id;
      }
    }
  })();
  try {
    const latencies: number[] = [];
    const commits: { seq: number; at: number }[] = [];
    for (let p = 0; p < PAGES; p++) {
      const qr = ds.createQueryRunner();
      await qr.connect();
      await qr.startTransaction();
      await appendEvents(qr.manager, ctx, page(p * PAGE));
      const [{ last }] = await qr.query('SELECT last FROM event_sequence');
      const at = performance.now();
      await qr.commitTransaction();
      await qr.release();
      commits.push({ seq: Number(last), at });
      await new Promise((r) => setTimeout(r, INTERVAL_MS));
    }
    const deadline = performance.now() + 10_000;
    while (seen.size < PAGES * PAGE && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const c of commits) {
      const t = seen.get(c.seq);
      if (t !== undefined) latencies.push(t - c.at);
    }
    latencies.sort((a, b) => a - b);
    const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)];
    console.log(
      `commit-to-consumer latency (${PAGES} pages of ${PAGE}, one every ${INTERVAL_MS} ms; from just before COMMIT to XREAD seeing the page's last event): ` +
        `p50 ${fmt(pct(0.5), 1)} ms  p99 ${fmt(pct(0.99), 1)} ms  max ${fmt(latencies[latencies.length - 1], 1)} ms  (${latencies.length}/${PAGES} pages seen)  target p99 < 500`,
    );
  } finally {
    reading = false;
    await reader;
    consumer.disconnect();
    await app.close();
    await ds.destroy();
    await db.drop();
    await redis.cleanup();
  }
}

async function fetchOnly(firstUrl: string): Promise<{ ms: number; pages: number }> {
  const auth = 'Basic ' + Buffer.from(`${SIM_ACCOUNT}:${SIM_TOKEN}`).toString('base64');
  let pages = 0;
  const t0 = performance.now();
  let url: string | null = firstUrl;
  while (url) {
    const res = await request(url, { headers: { authorization: auth, accept: 'application/json' } });
    const body: any = JSON.parse(await res.body.text());
    pages++;
    url = body.meta.next_page_url;
  }
  return { ms: performance.now() - t0, pages };
}

async function noopRecrawl(): Promise<void> {
  const sim = await startSimProcess({ SIM_SERVICES: `1x${USERS}`, SIM_SEED: '5' });
  const db = await benchDatabase('events_recrawl');
  const redis = benchPrefix('events-recrawl');
  const config = eventsConfig(db.url, redis.prefix, { TWILIO_BASE_URL: sim.url });
  const mirror = await startMirror(config);
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const serviceSid = sim.services[0];
  const queue = mirror.app.get(CrawlQueue).queue;
  const crawl = async (): Promise<{ ms: number; run: any }> => {
    // An enqueue while the last job is still completing would be deduplicated into it: wait for an idle queue.
    for (;;) {
      const c = await queue.getJobCounts('active', 'waiting', 'delayed');
      if (!c.active && !c.waiting && !c.delayed) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const [{ max }] = (await pg.query('SELECT COALESCE(max(id), 0) AS max FROM sync_runs')).rows;
    const t0 = performance.now();
    await mirror.app.get(CrawlQueue).enqueue(SIM_ACCOUNT, serviceSid, 'manual');
    for (;;) {
      const { rows } = await pg.query(`SELECT * FROM sync_runs WHERE id > $1 AND status <> 'running'`, [max]);
      if (rows.length) return { ms: performance.now() - t0, run: rows[0] };
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  // Every users tuple's xmin, kept on this session: a row written since has another (or is new).
  const snapshotTuples = () => pg.query('CREATE TEMP TABLE tuples_before AS SELECT sid, xmin::text AS x FROM users');
  const rowsWrittenSince = async () =>
    Number(
      (
        await pg.query(
          `SELECT count(*) AS n FROM users u LEFT JOIN tuples_before b USING (sid) WHERE b.sid IS NULL OR b.x <> u.xmin::text`,
        )
      ).rows[0].n,
    );
  const lastSequence = async () => Number((await pg.query('SELECT last FROM event_sequence')).rows[0].last);
  try {
    const first = await crawl();
    console.log(`first crawl (populates the mirror): ${fmt(first.run.users_seen)} users, ${fmt(first.run.pages)} pages, ${fmt(first.ms)} ms, status ${first.run.status}`);
    const url = `${sim.url}/v1/Services/${serviceSid}/Users?PageSize=${config.twilio.pageSize}`;
    await fetchOnly(url); // warm-up, not measured
    const f1 = await fetchOnly(url);

    await snapshotTuples();
    const seqBefore = await lastSequence();
    const again = await crawl();
    const rowsWritten = await rowsWrittenSince();
    const events = (await lastSequence()) - seqBefore;
    const f2 = await fetchOnly(url); // bracket the re-crawl, so a drift of the machine shows
    const fetchMs = (f1.ms + f2.ms) / 2;
    console.log(`fetch-only (bare HTTP loop over the same ${fmt(f1.pages)} pages): ${fmt(f1.ms)} ms / ${fmt(f2.ms)} ms, mean ${fmt(fetchMs)} ms`);
    console.log(
      `no-op re-crawl (queue → worker → diff → sweep): ${fmt(again.ms)} ms; status ${again.run.status}, unchanged ${fmt(again.run.unchanged)}, ` +
        `created ${again.run.created}, updated ${again.run.updated}, deleted ${again.run.deleted}`,
    );
    console.log(`  users rows written: ${rowsWritten} (tuples whose xmin changed, or new), events: ${events}`);
    console.log(`  ratio re-crawl / fetch-only = ${fmt(again.ms / fetchMs, 2)}  target ≤ 1.20`);
  } finally {
    await pg.end();
    await mirror.close();
    await sim.stop();
    await db.drop();
    await redis.cleanup();
  }
}

async function main() {
  const parts = new Set((process.env.BENCH_PARTS ?? 'relay,latency,recrawl').split(','));
  console.log(`bench/events (${new Date().toISOString()}), Postgres and Redis local, simulator in its own process`);
  if (parts.has('relay')) await relayThroughput();
  if (parts.has('latency')) await commitToConsumer();
  if (parts.has('recrawl')) await noopRecrawl();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
