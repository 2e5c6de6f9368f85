import { ApiTokens } from './api-tokens.service';
import { basicPassword, basicTwilioCredentials, basicTwilioToken, bearerToken } from './credentials';

const AC = 'AC' + 'f'.repeat(32);
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('credentials', () => {
  it('reads a bearer token and nothing else', () => {
    expect(bearerToken('Bearer abc.def-123')).toBe('abc.def-123');
    expect(bearerToken('bearer  tok')).toBe('tok');
    for (const h of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', `Bearer ${'x'.repeat(5000)}`]) expect(bearerToken(h)).toBeNull();
  });

  it('reads the password of HTTP Basic when the user name is an account sid', () => {
    expect(basicTwilioToken(`Basic ${b64(`${AC}:secret:with:colons`)}`)).toBe('secret:with:colons');
    for (const h of [`Basic ${b64('user:secret')}`, `Basic ${b64(`${AC}:`)}`, `Basic ${b64(AC)}`, 'Basic !!!', `Bearer ${b64(`${AC}:x`)}`]) {
      expect(basicTwilioToken(h)).toBeNull();
    }
  });

  it('reads an API key sid as user name too, for the Twilio surface', () => {
    const SK = 'SK' + 'e'.repeat(32);
    expect(basicTwilioCredentials(`Basic ${b64(`${SK}:tok:en`)}`)).toEqual({ user: SK, password: 'tok:en' });
    expect(basicTwilioCredentials(`Basic ${b64(`${AC}:tok`)}`)).toEqual({ user: AC, password: 'tok' });
    expect(basicTwilioToken(`Basic ${b64(`${SK}:tok`)}`)).toBeNull();
    for (const user of ['IS' + 'e'.repeat(32), 'sk' + 'e'.repeat(32), 'SK123']) expect(basicTwilioCredentials(`Basic ${b64(`${user}:tok`)}`)).toBeNull();
  });

  it("reads the password of HTTP Basic whatever the user name, as a browser sends what a person typed", () => {
    for (const user of ['ops', '', AC, 'ünïcode']) expect(basicPassword(`Basic ${b64(`${user}:token:with:colons`)}`)).toBe('token:with:colons');
    for (const h of [undefined, `Basic ${b64('ops:')}`, `Basic ${b64('ops')}`, 'Basic !!!', `Bearer ${b64('ops:x')}`, `Basic ${'A'.repeat(5000)}`]) {
      expect(basicPassword(h)).toBeNull();
    }
  });

  it('accepts exactly the configured tokens', () => {
    const grant = (name: string, token: string) => ({ name, token, scope: { trigger: true, all: true, accounts: [], services: [], apiKeys: [] } });
    const tokens = new ApiTokens({ api: { grants: [grant('first', 'first-token-1'), grant('second', 'second-token-2')] } } as never);
    expect(tokens.accepts('first-token-1')).toBe(true);
    expect(tokens.accepts('second-token-2')).toBe(true);
    for (const t of ['', 'first-token-', 'first-token-1 ', 'FIRST-TOKEN-1', 'second-token-2x']) expect(tokens.accepts(t)).toBe(false);
    expect(tokens.holderOf('second-token-2')?.name).toBe('second');
    expect(tokens.holderOf('second-token-3')).toBeNull();
  });
});
