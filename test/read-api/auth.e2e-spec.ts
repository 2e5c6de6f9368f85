import { Writable } from 'node:stream';
import { loadConfig } from '@app/config';
import { REDACT_PATHS } from '@app/logger';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import pino from 'pino';
import { AppModule } from '../../apps/mirror/src/app.module';
import { configureHttp } from '../../apps/mirror/src/bootstrap';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { REDIS_URL, testRedisPrefix } from '../support/test-redis';
import { API_TOKEN, OTHER_TOKEN, startApi } from './support/api-harness';
import { basic, rawRequest } from './support/raw-http';
import { insertService, insertUsers, sid } from './support/seed';

const IS = sid('IS', 0xa1);
const US = sid('US', 0xa2);
const WRONG = 'wrong-token-zzz-999';

/**
 * Auth: every route but /health (and the OpenAPI docs) needs a token; 401 otherwise. The app is built as
 * startMirror builds it, but with its log captured, so that no response and no log line is seen to carry
 * a credential, a failed one included.
 */
describe('read API: authentication', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let url: string;
  let logs = '';
  const redis = testRedisPrefix('auth');

  const ROUTES: [string, string][] = [
    ['GET', '/v1/services'],
    ['GET', `/v1/services/${IS}`],
    ['GET', `/v1/services/${IS}/users`],
    ['GET', `/v1/services/${IS}/users/someone`],
    ['GET', `/v1/users/${US}`],
    ['GET', '/v1/sync-runs'],
    ['GET', '/v1/sync-runs/1'],
    ['GET', `/v1/services/${IS}/sync-runs`],
    ['POST', `/v1/services/${IS}/sync`],
  ];

  beforeAll(async () => {
    db = await createTestDatabase('readapi_auth');
    await insertService(db.dataSource, IS);
    await insertUsers(db.dataSource, [{ sid: US, chat_service_sid: IS, identity: 'someone' }]);
    const config = loadConfig({
      DATABASE_URL: db.url,
      REDIS_URL,
      QUEUE_PREFIX: redis.prefix,
      ROLES: 'api',
      PORT: '0',
      API_TOKENS: `${API_TOKEN}, ${OTHER_TOKEN}`,
      LOG_LEVEL: 'debug',
    });
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    const root = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoles(config, root), { bufferLogs: true });
    app.useLogger(app.get(NestPinoLogger));
    configureHttp(app);
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    url = url.replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await redis.cleanup();
  });

  it('refuses every route without a token, or with a wrong one, with 401 and a Bearer challenge', async () => {
    for (const [method, path] of ROUTES) {
      const attempts: Record<string, string>[] = [{}, { authorization: `Bearer ${WRONG}` }, { authorization: basic('AC' + '0'.repeat(32), API_TOKEN) }, { authorization: API_TOKEN }];
      for (const headers of attempts) {
        const r = await rawRequest(url, { method, path, headers });
        expect({ method, path, headers, status: r.status }).toEqual({ method, path, headers, status: 401 });
        expect(r.headers['www-authenticate']).toBe('Bearer realm="twilio-mirror"');
        expect(r.json()).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.any(String) });
        expect(r.text).not.toContain(WRONG);
        expect(r.text).not.toContain(API_TOKEN);
      }
    }
  });

  it('accepts each configured token, in any case of the scheme, and nothing near it', async () => {
    for (const authorization of [`Bearer ${API_TOKEN}`, `Bearer ${OTHER_TOKEN}`, `bearer ${API_TOKEN}`, `BEARER  ${OTHER_TOKEN}`]) {
      expect((await rawRequest(url, { path: `/v1/users/${US}`, headers: { authorization } })).status).toBe(200);
    }
    for (const authorization of [`Bearer ${API_TOKEN.toUpperCase()}`, `Bearer ${API_TOKEN}x`, `Bearer ${API_TOKEN.slice(0, -1)}`, `Bearer ${API_TOKEN},${OTHER_TOKEN}`, 'Bearer ']) {
      expect((await rawRequest(url, { path: `/v1/users/${US}`, headers: { authorization } })).status).toBe(401);
    }
  });

  it('leaves /health and the OpenAPI docs open', async () => {
    const health = await rawRequest(url, { path: '/health' });
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' } } });
    const docs = await rawRequest(url, { path: '/docs' });
    expect(docs.status).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
  });

  it('answers /health and POST …/sync with 503 within their deadlines when Redis is unreachable, instead of hanging', async () => {
    const noRedis = await startApi('health-noredis', { REDIS_URL: 'redis://127.0.0.1:9' }); // nothing listens on 9
    try {
      let started = Date.now();
      const health = await rawRequest(noRedis.url, { path: '/health' });
      expect({ status: health.status, redis: health.json().details?.redis?.status, fast: Date.now() - started < 5000 }).toEqual({
        status: 503,
        redis: 'down',
        fast: true,
      });
      const IS = sid('IS', 0x5c);
      await insertService(noRedis.db.dataSource, IS);
      started = Date.now();
      const sync = await rawRequest(noRedis.url, { method: 'POST', path: `/v1/services/${IS}/sync`, headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect({ status: sync.status, message: sync.json().message, fast: Date.now() - started < 8000 }).toEqual({
        status: 503,
        message: expect.stringMatching(/crawl queue \(Redis\) did not answer/),
        fast: true,
      });
    } finally {
      await noRedis.close();
    }
  });

  it('documents every route, DTO and error in the OpenAPI spec', async () => {
    const spec = (await rawRequest(url, { path: '/docs/openapi.json' })).json();
    const paths = Object.keys(spec.paths);
    for (const p of [
      '/v1/services',
      '/v1/services/{serviceSid}',
      '/v1/services/{serviceSid}/sync',
      '/v1/services/{serviceSid}/users',
      '/v1/services/{serviceSid}/users/{sidOrIdentity}',
      '/v1/users/{sid}',
      '/v1/sync-runs',
      '/v1/sync-runs/{id}',
      '/v1/services/{serviceSid}/sync-runs',
      '/twilio/v1/Services/{serviceSid}/Users',
      '/twilio/v1/Services/{serviceSid}/Users/{sid}',
      '/health',
    ]) {
      expect(paths).toContain(p);
    }
    for (const schema of ['MirrorUserDto', 'MirrorUserPageDto', 'ServiceStatusDto', 'SyncRunDto', 'SyncTriggeredDto', 'TwilioUserDto', 'TwilioUserPageDto', 'ApiErrorDto', 'TwilioErrorDto']) {
      expect(Object.keys(spec.components.schemas)).toContain(schema);
    }
    const list = spec.paths['/v1/services/{serviceSid}/users'].get;
    expect(Object.keys(list.responses).sort()).toEqual(['200', '400', '401', '404']);
    expect(list.responses['400'].content['application/json'].schema.$ref).toBe('#/components/schemas/ApiErrorDto');
    expect(list.security).toEqual([{ bearer: [] }]);
    expect(list.parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(['serviceSid', 'limit', 'cursor', 'identity', 'identity_prefix', 'role_sid', 'attributes', 'q', 'updated_since', 'deleted']),
    );
    const twilioList = spec.paths['/twilio/v1/Services/{serviceSid}/Users'].get;
    expect(twilioList.responses['404'].content['application/json'].schema.$ref).toBe('#/components/schemas/TwilioErrorDto');
    expect(twilioList.security).toEqual([{ basic: [] }]);
    expect(spec.components.securitySchemes).toMatchObject({ bearer: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } });
  });

  it('answers an unexpected failure with a bare, logged 500 that names no internals', async () => {
    await db.dataSource.query('ALTER TABLE sync_runs RENAME TO sync_runs_away');
    try {
      const r = await rawRequest(url, { path: '/v1/sync-runs', headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect(r.status).toBe(500);
      expect(r.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
      expect(r.text).not.toMatch(/sync_runs|relation|SELECT|at /);
      const tw = await rawRequest(url, { path: `/twilio/v1/Services/${sid('IS', 0xbad)}/Users`, headers: { authorization: basic('AC' + '0'.repeat(32), API_TOKEN) } });
      expect(tw.json()).toEqual({ code: 20500, message: 'Internal Server Error', more_info: 'https://www.twilio.com/docs/errors/20500', status: 500 });
    } finally {
      await db.dataSource.query('ALTER TABLE sync_runs_away RENAME TO sync_runs');
    }
    expect(logs).toMatch(/unhandled error in the read API/);
    expect(logs).toMatch(/sync_runs/); // the log keeps what the response hides
  });

  it('never writes a credential to the log, accepted or refused', async () => {
    // Requests are logged (pino-http at info and above; the hot user reads excepted), so the check below
    // looks at real request lines, refused ones included.
    expect(logs).toMatch(/"url":"\/v1\/sync-runs/);
    for (const secret of [API_TOKEN, OTHER_TOKEN, WRONG, Buffer.from(`${'AC' + '0'.repeat(32)}:${API_TOKEN}`).toString('base64')]) {
      expect(logs).not.toContain(secret);
    }
    expect(logs).toMatch(/\[redacted\]/);
  });

  it("names the request's token in its log line (its name, never the token)", async () => {
    await rawRequest(url, { path: '/v1/sync-runs?limit=3', headers: { authorization: `Bearer ${OTHER_TOKEN}` } });
    const line = await waitForLine((l) => l.req?.url === '/v1/sync-runs?limit=3');
    expect({ tokenName: line.tokenName, status: line.res.statusCode }).toEqual({ tokenName: 'token-2', status: 200 });
    await rawRequest(url, { path: '/v1/sync-runs?limit=4', headers: { authorization: `Bearer ${WRONG}` } });
    expect((await waitForLine((l) => l.req?.url === '/v1/sync-runs?limit=4')).tokenName).toBeUndefined();
  });

  /** The first JSON log line that `match`es, once it is written (the request line comes when the response ends). */
  async function waitForLine(match: (line: any) => boolean): Promise<any> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = logs
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
        .find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('no such log line');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
});
