import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { registerSecrets } from '@app/redaction';
import pino from 'pino';
import pinoHttp from 'pino-http';
import { createRootLogger, REDACT_PATHS, safeError } from './root-logger';

function lineFor(obj: object): string {
  let out = '';
  const sink = new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) });
  const log = pino({ redact: { paths: REDACT_PATHS }, serializers: { err: safeError, error: safeError } }, sink);
  log.error(obj, 'failed');
  return out;
}

describe('the error serializer', () => {
  it("keeps what explains an error and leaves out the properties libraries hang on it (ioredis's failed command)", () => {
    // As ioredis builds it when AUTH is refused: the command, with the password, rides on the error.
    const refused = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      command: { name: 'auth', args: ['s3cret-redis-pw'] },
      code: 'WRONGPASS',
    });
    const wrapped = new Error('queue connection failed', { cause: refused });
    const line = JSON.parse(lineFor({ err: wrapped }));
    expect(JSON.stringify(line)).not.toContain('s3cret-redis-pw');
    expect(line.err).toMatchObject({ type: 'Error', message: expect.stringMatching(/^queue connection failed/), cause: { message: 'WRONGPASS invalid username-password pair', code: 'WRONGPASS' } });
    expect(line.err.stack).toEqual(expect.any(String));
  });

  it('passes anything but an Error through', () => {
    expect(JSON.parse(lineFor({ error: 'a message' })).error).toBe('a message');
  });
});

describe('the root logger', () => {
  // As startMirror registers the configuration's secrets; registration is process-wide.
  const TOKEN = 'Zr8Lq2Wd5Vm1Xc7Nb4Ty9Hp3Kf6Js0Ga';
  const ACCOUNT = `AC${'ab'.repeat(16)}`;
  registerSecrets([{ value: TOKEN, users: [ACCOUNT] }]);

  function capture(): { lines: string[]; log: ReturnType<typeof createRootLogger> } {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    return { lines, log: createRootLogger('trace', 'test', sink) };
  }

  it('takes every registered secret, in any form, out of every line, whatever field it sits in', () => {
    const { lines, log } = capture();
    const echo = `${TOKEN.slice(3)} ${TOKEN.toLowerCase()} ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')} ${encodeURIComponent(TOKEN)}`;
    log.info({ url: `/v1/services?token=${TOKEN}`, nested: { deep: [echo] } }, `message ${echo}`);
    log.child({ component: 'x', context: TOKEN.slice(0, 12) }).warn('child line');
    log.error({ err: new Error(`failed: ${echo}`) }, 'with an error');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(() => JSON.parse(line)).not.toThrow();
      for (let i = 0; i + 8 <= TOKEN.length; i++) expect(line.toLowerCase()).not.toContain(TOKEN.slice(i, i + 8).toLowerCase());
    }
    expect(JSON.parse(lines[0]).url).toBe('/v1/services?token=[REDACTED]');
    expect(JSON.parse(lines[1]).context).toBe('[REDACTED]');
  });

  it('covers the access lines pino-http writes through it', async () => {
    const { lines, log } = capture();
    const server = http.createServer((req, res) => {
      pinoHttp({ logger: log })(req, res);
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      await fetch(`http://127.0.0.1:${port}/v1/users?access_token=${encodeURIComponent(TOKEN)}`, { headers: { 'x-api-key': TOKEN.toUpperCase() } });
      await new Promise((r) => setImmediate(r));
    } finally {
      await new Promise((r) => server.close(r));
    }
    const access = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request completed');
    expect(access.req).toMatchObject({ url: '/v1/users?access_token=[REDACTED]', headers: { 'x-api-key': '[REDACTED]' } });
  });

  it('leaves lines without a secret as they were', () => {
    const { lines, log } = capture();
    log.info({ serviceSid: `IS${'0123456789abcdef'.repeat(2)}` }, 'page written');
    expect(JSON.parse(lines[0])).toMatchObject({ serviceSid: `IS${'0123456789abcdef'.repeat(2)}`, msg: 'page written' });
  });
});
