import { authMaterial } from './twilio.auth';

const AC = `AC${'1'.repeat(32)}`;

describe('authMaterial', () => {
  it('builds Basic auth from the account sid and token', () => {
    const m = authMaterial({ kind: 'token', accountSid: AC, authToken: 'secret-token' });
    expect(m.header).toBe(`Basic ${Buffer.from(`${AC}:secret-token`).toString('base64')}`);
    expect(m.accountSid).toBe(AC);
  });

  it('uses the API key sid as username but keeps the account sid for scoping', () => {
    const sk = `SK${'2'.repeat(32)}`;
    const m = authMaterial({ kind: 'apiKey', accountSid: AC, apiKeySid: sk, apiKeySecret: 'key-secret' });
    expect(Buffer.from(m.header.slice(6), 'base64').toString()).toBe(`${sk}:key-secret`);
    expect(m.accountSid).toBe(AC);
  });

  it('refuses empty credentials', () => {
    expect(() => authMaterial({ kind: 'token', accountSid: AC, authToken: '' })).toThrow(TypeError);
    expect(() => authMaterial({ kind: 'token', accountSid: '', authToken: 'x' })).toThrow(TypeError);
  });

  it('redacts the secret and the encoded header wherever they appear', () => {
    const m = authMaterial({ kind: 'token', accountSid: AC, authToken: 'se cret/+tok' });
    const text = `a ${m.header} b se cret/+tok c ${encodeURIComponent('se cret/+tok')}`;
    const out = m.redactor.redact(text);
    expect(out).toBe('a Basic [REDACTED] b [REDACTED] c [REDACTED]');
  });

  it('redacts what is left of the secret when it comes back cut, re-cased or base64-encoded on its own', () => {
    const token = 'f00dfeed0123456789abcdefdeadbeef';
    const m = authMaterial({ kind: 'token', accountSid: AC, authToken: token });
    for (const echo of [token.slice(3), token.toUpperCase(), Buffer.from(token).toString('base64'), Buffer.from(`x${AC}:${token}`).toString('base64')]) {
      expect(m.redactor.redact(`echo ${echo} end`)).toMatch(/^echo (\S{0,7})\[REDACTED\](\S{0,7}) end$/);
    }
  });
});
