import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACT_PATHS, safeError } from './root-logger';

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
