import { AppConfig, ConfigModule, loadConfig } from '@app/config';
import type { MirrorUser } from '@app/domain';
import {
  DEFAULT_RELAY_OPTIONS,
  EventsFeedModule,
  EventsRelayModule,
  OutboxRelay,
  RAW_JSON_TYPES,
  RelayOptions,
  RelayRow,
  UserChange,
  OutboxRelayRepository,
} from '@app/events';
import { appendEvents } from '@app/mirror-writer';
import { createRootLogger, LoggerModule } from '@app/logger';
import { INestApplication } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { configureHttp } from '../../../apps/mirror/src/bootstrap';
import { createTestDatabase, TestDatabase } from '../../support/test-database';
import { REDIS_URL, testRedisPrefix } from '../../support/test-redis';

export const ACCOUNT = 'AC' + 'a'.repeat(32);
export const SERVICE = 'IS' + 'b'.repeat(32);

/** Short waits, so tests see takeovers and idle polls in tens of milliseconds. */
export const FAST_RELAY: RelayOptions = {
  ...DEFAULT_RELAY_OPTIONS,
  batchSize: 500,
  idlePollMs: 50,
  followerPollMs: 100,
  errorBackoffMs: 400,
  pruneIntervalMs: 3_600_000,
};

export interface EventsEnv {
  db: TestDatabase;
  config: AppConfig;
  stream: string;
  close(): Promise<void>;
}

/** A database and Redis prefix of the test file's own, and a config pointing at both (no Twilio). */
export async function eventsEnv(label: string, env: Record<string, string> = {}): Promise<EventsEnv> {
  const db = await createTestDatabase(label);
  const redis = testRedisPrefix(label);
  const stream = `${redis.prefix}:user-events`;
  const config = loadConfig({
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: redis.prefix,
    EVENTS_STREAM: stream,
    ROLES: 'api',
    API_TOKENS: 'events-test-token',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    ...env,
  });
  return {
    db,
    config,
    stream,
    async close() {
      await db.drop();
      await redis.cleanup();
    },
  };
}

function coreModules(config: AppConfig) {
  return [ConfigModule.forRoot(config), LoggerModule.forRoot(createRootLogger(config.logLevel, 'events-test'))];
}

export interface RelayApp {
  module: TestingModule;
  relay: OutboxRelay;
  close(): Promise<void>;
}

/** The relay as the worker role runs it: its own Nest context, so several can compete for the lock. */
export async function startRelayApp(config: AppConfig, options: RelayOptions = FAST_RELAY): Promise<RelayApp> {
  const module = await Test.createTestingModule({ imports: [...coreModules(config), EventsRelayModule.withOptions(options)] }).compile();
  await module.init();
  return { module, relay: module.get(OutboxRelay), close: () => module.close() };
}

export interface FeedApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/**
 * The feed as the api role serves it (same pipes, Swagger setup and token guard as the service), on a free port.
 * A request that brings no Authorization header is given the test's token (API_TOKENS of eventsEnv), so the
 * feed's own tests need not repeat it; the guard itself is tested with the whole API (test/read-api/auth).
 */
export async function startFeedApp(config: AppConfig): Promise<FeedApp> {
  const module = await Test.createTestingModule({ imports: [...coreModules(config), EventsFeedModule] }).compile();
  const app = module.createNestApplication({ logger: false });
  app.use((req: { headers: Record<string, string | undefined> }, _res: unknown, next: () => void) => {
    req.headers.authorization ??= `Bearer ${config.api.tokens[0]}`;
    next();
  });
  configureHttp(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  return { app, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

export function userSid(n: number): string {
  return 'US' + n.toString(16).padStart(32, '0');
}

export function fakeUser(n: number, name = `User ${n}`): MirrorUser {
  return {
    sid: userSid(n),
    account_sid: ACCOUNT,
    chat_service_sid: SERVICE,
    role_sid: 'RL' + 'c'.repeat(32),
    identity: `user-${n}`,
    friendly_name: name,
    attributes: { team: 'blue', n },
    is_online: null,
    is_notifiable: null,
    date_created: '2024-01-01T00:00:00Z',
    date_updated: '2024-01-02T00:00:00Z',
    url: `https://conversations.twilio.com/v1/Services/${SERVICE}/Users/${userSid(n)}`,
    links: { user_conversations: `https://conversations.twilio.com/v1/Services/${SERVICE}/Users/${userSid(n)}/Conversations` },
  };
}

/** `count` created events for users from..from+count-1, committed in one transaction as a page would be. */
export function createdChanges(from: number, count: number): UserChange[] {
  return Array.from({ length: count }, (_, i) => {
    const after = fakeUser(from + i);
    return { op: 'created' as const, before: null, after, changed: ['identity', 'friendly_name'] as UserChange['changed'], version: 1 };
  });
}

export async function commitEvents(ds: DataSource, changes: UserChange[]): Promise<void> {
  await ds.transaction((m) => appendEvents(m, { accountSid: ACCOUNT, serviceSid: SERVICE, runId: null }, changes));
}

/** The oldest unpublished rows as the relay reads them (data as JSON text), on a connection of their own. */
export async function unpublishedRelayRows(databaseUrl: string, limit: number): Promise<RelayRow[]> {
  const client = new Client({ connectionString: databaseUrl, types: RAW_JSON_TYPES });
  await client.connect();
  try {
    return await new OutboxRelayRepository(async (sql, p) => (await client.query(sql, p)).rows).readBatch(null, '0', limit);
  } finally {
    await client.end();
  }
}

export async function unpublishedCount(ds: DataSource): Promise<number> {
  const [{ n }] = await ds.query('SELECT count(*)::int AS n FROM user_events WHERE sequence > (SELECT published_through FROM relay_state)');
  return n;
}

export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
