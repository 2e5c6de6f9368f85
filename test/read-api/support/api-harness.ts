import { AppConfig, loadConfig } from '@app/config';
import { MirrorWriter } from '@app/mirror-writer';
import { RunningMirror, startMirror } from '../../../apps/mirror/src/bootstrap';
import { createTestDatabase, TestDatabase } from '../../support/test-database';
import { REDIS_URL, testRedisPrefix } from '../../support/test-redis';

export const API_TOKEN = 'read-api-test-token-1';
export const OTHER_TOKEN = 'read-api-test-token-2';

export interface ApiHarness {
  db: TestDatabase;
  mirror: RunningMirror;
  config: AppConfig;
  url: string;
  /** GET/POST with the bearer token; the body parsed when it is JSON. */
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  post(path: string, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  close(): Promise<void>;
}

/** The api role alone, in this process, on its own database and Redis prefix, listening on a free port. */
export async function startApi(label: string, env: Record<string, string> = {}): Promise<ApiHarness> {
  const db = await createTestDatabase(label);
  const redis = testRedisPrefix(label);
  const config = loadConfig({
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: redis.prefix,
    EVENTS_STREAM: `${redis.prefix}:user-events`,
    ROLES: 'api',
    PORT: '0',
    API_TOKENS: `${API_TOKEN},${OTHER_TOKEN}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SYNC_ON_START: 'false',
    ...env,
  });
  const mirror = await startMirror(config);
  const url = mirror.url!;
  const call = async (method: string, path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${API_TOKEN}`, ...headers } });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, body: body as any, text, headers: res.headers };
  };
  return {
    db,
    mirror,
    config,
    url,
    get: (path, headers) => call('GET', path, headers),
    post: (path, headers) => call('POST', path, headers),
    async close() {
      await mirror.close();
      await db.drop();
      await redis.cleanup();
    },
  };
}

/**
 * The api role plus the worker role, only to get the crawl's MirrorWriter from the container: no crawl runs
 * (the Twilio base URL points nowhere), so a test writes pages itself.
 */
export async function startApiWithWriter(label: string, accountSid: string): Promise<{ api: ApiHarness; writer: MirrorWriter }> {
  const api = await startApi(label, {
    ROLES: 'api,worker',
    TWILIO_ACCOUNT_SID: accountSid,
    TWILIO_AUTH_TOKEN: 'unused-token',
    TWILIO_BASE_URL: 'http://127.0.0.1:9',
  });
  return { api, writer: api.mirror.app.get(MirrorWriter, { strict: false }) };
}
