import { ConfigError, loadConfig } from './load-config';

const AC = 'AC' + 'a'.repeat(32);
const IS = 'IS' + 'b'.repeat(32);
const base = { TWILIO_ACCOUNT_SID: AC, TWILIO_AUTH_TOKEN: 'tok-secret-value', API_TOKENS: 'read-token-1' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(base);
    expect(c.api.tokens).toEqual(['read-token-1']);
    expect(c.api.grants).toEqual([{ name: 'token-1', token: 'read-token-1', scope: { trigger: true, all: true, accounts: [], services: [], apiKeys: [] } }]);
    expect(c.privacy).toEqual({ deletedUserRetentionDays: 30, erasureIntervalMs: 3_600_000 });
    expect(c.events.stream).toBe('{mirror}:user-events');
    expect(loadConfig({ ...base, QUEUE_PREFIX: '{staging}' }).events.stream).toBe('{staging}:user-events');
    expect(loadConfig({ ...base, QUEUE_PREFIX: '{staging}', EVENTS_STREAM: 'events' }).events.stream).toBe('events');
    expect(c.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/twilio_mirror');
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.twilio.baseUrl).toBe('https://conversations.twilio.com');
    expect(c.sync.cron).toBe('*/15 * * * *');
    expect(c.sync.onStart).toBe(true);
    expect(c.port).toBe(3000);
    expect([...c.roles].sort()).toEqual(['api', 'scheduler', 'worker']);
    expect(c.twilio.accounts).toEqual([{ kind: 'token', accountSid: AC, authToken: 'tok-secret-value' }]);
    expect(c.twilio.services).toEqual([]);
    expect(c.api.trustProxy).toBe(false);
  });

  it('refuses values that would break timers, pruning or the stream, and tokens that cannot be sent', () => {
    const p = problems({
      ...base,
      API_TOKENS: 'good-token-1,has a space',
      TWILIO_TIMEOUT_MS: '3000000000',
      EVENTS_RETENTION_HOURS: '99999999999',
      EVENTS_STREAM_MAXLEN: '99999999999999999999',
      THROTTLE_BASE_MS: '70000',
    }).join('\n');
    expect(p).toMatch(/^API_TOKENS: entry 2: a token must not contain whitespace$/m);
    expect(p).toMatch(/^TWILIO_TIMEOUT_MS: must be at most 2147483647/m);
    expect(p).toMatch(/^EVENTS_RETENTION_HOURS: /m);
    expect(p).toMatch(/^EVENTS_STREAM_MAXLEN: /m);
    expect(p).toMatch(/^THROTTLE_BASE_MS: must not exceed THROTTLE_CAP_MS \(60000\)$/m);
    expect(p).not.toContain('has a space'); // a token is a secret, even a bad one
  });

  it('refuses a database or Redis URL that does not parse whole, without printing it (it may hold a password)', () => {
    const p = problems({ ...base, DATABASE_URL: 'postgres://mirror:pa#ss@db:5432/mirror', REDIS_URL: 'redis://:abc#REDISSECRET@redis:6379' }).join('\n');
    expect(p).toMatch(/^DATABASE_URL: is not a valid URL \(percent-encode/m);
    expect(p).toMatch(/^REDIS_URL: is not a valid URL \(percent-encode/m);
    expect(p).not.toMatch(/pa#ss|REDISSECRET/);
    expect(loadConfig({ ...base, REDIS_URL: 'redis://:abc%23REDISSECRET@redis:6379' }).redisUrl).toBe('redis://:abc%23REDISSECRET@redis:6379');
  });

  it('takes METRICS_TOKEN for /metrics, open without it, and refuses one that could be guessed or not be sent', () => {
    expect(loadConfig(base).metrics.token).toBeNull();
    expect(loadConfig({ ...base, METRICS_TOKEN: '' }).metrics.token).toBeNull();
    expect(loadConfig({ ...base, METRICS_TOKEN: ' scrape-token-1 ' }).metrics.token).toBe('scrape-token-1');
    expect(problems({ ...base, METRICS_TOKEN: 'short' })).toEqual(['METRICS_TOKEN: must be at least 8 characters']);
    const spaced = problems({ ...base, METRICS_TOKEN: 'has a secret space' });
    expect(spaced).toEqual(['METRICS_TOKEN: must not contain whitespace']);
  });

  it('reads TRUST_PROXY as Express takes it, and names what it cannot read', () => {
    const trust = (v: string) => loadConfig({ ...base, TRUST_PROXY: v }).api.trustProxy;
    expect([trust('false'), trust('true'), trust('2'), trust('loopback, 10.0.0.0/8,fd00::1')]).toEqual([false, true, 2, ['loopback', '10.0.0.0/8', 'fd00::1']]);
    expect(problems({ ...base, TRUST_PROXY: 'loopback,proxy.example.com' })).toEqual([
      expect.stringMatching(/^TRUST_PROXY: invalid IP address: proxy\.example\.com; expected true, a number of hops/),
    ]);
  });

  it('reads API key credentials, extra accounts and service sids', () => {
    const AC2 = 'AC' + 'c'.repeat(32);
    const SK = 'SK' + 'd'.repeat(32);
    const c = loadConfig({
      TWILIO_ACCOUNT_SID: AC,
      TWILIO_API_KEY: SK,
      TWILIO_API_SECRET: 'shh',
      TWILIO_ACCOUNTS: `${AC2}:tok2`,
      TWILIO_SERVICE_SIDS: ` ${IS}, ${AC2}/IS${'e'.repeat(32)} `,
      SYNC_ON_START: 'false',
      ROLES: 'worker, scheduler',
    });
    expect(c.api.tokens).toEqual([]);
    expect(c.twilio.accounts).toEqual([
      { kind: 'apiKey', accountSid: AC, apiKeySid: SK, apiKeySecret: 'shh' },
      { kind: 'token', accountSid: AC2, authToken: 'tok2' },
    ]);
    expect(c.twilio.services).toEqual([
      { accountSid: AC, serviceSid: IS },
      { accountSid: AC2, serviceSid: 'IS' + 'e'.repeat(32) },
    ]);
    expect(c.sync.onStart).toBe(false);
    expect([...c.roles]).toEqual(['worker', 'scheduler']);
  });

  it('names each bad variable with its reason', () => {
    const p = problems({
      ...base,
      DATABASE_URL: 'mysql://x/y',
      PORT: 'eighty',
      SYNC_ON_START: 'maybe',
      SYNC_CRON: 'every day',
      ROLES: 'api,janitor',
      TWILIO_SERVICE_SIDS: 'IS123',
      TWILIO_PAGE_SIZE: '51',
    });
    const joined = p.join('\n');
    expect(joined).toMatch(/^DATABASE_URL: must be a postgres:\/\/ URL/m);
    expect(joined).toMatch(/^PORT: must be a whole number/m);
    expect(joined).toMatch(/^SYNC_ON_START: must be true or false/m);
    expect(joined).toMatch(/^SYNC_CRON: is not a valid cron expression/m);
    expect(joined).toMatch(/^ROLES: must be a comma list/m);
    expect(joined).toMatch(/^TWILIO_SERVICE_SIDS: "IS123" is not a service sid/m);
    expect(joined).toMatch(/^TWILIO_PAGE_SIZE: /m);
  });

  it('requires credentials for the worker and scheduler roles but not for the api alone', () => {
    expect(problems({ ROLES: 'worker' })).toEqual([expect.stringMatching(/^TWILIO_ACCOUNT_SID: is required for the worker and scheduler roles/)]);
    expect(loadConfig({ ROLES: 'api', API_TOKENS: 'read-token-1' }).twilio.accounts).toEqual([]);
    expect(problems({ ROLES: 'api' })).toEqual([expect.stringMatching(/^API_TOKENS: is required for the api role/)]);
    expect(problems({ ROLES: 'worker', TWILIO_ACCOUNT_SID: AC })).toEqual([expect.stringMatching(/^TWILIO_AUTH_TOKEN: is required/)]);
    expect(problems({ ROLES: 'worker', TWILIO_ACCOUNT_SID: AC, TWILIO_API_KEY: 'SK' + '1'.repeat(32) })).toEqual([
      expect.stringMatching(/^TWILIO_API_SECRET: is required/),
    ]);
  });

  it('reads the webhook URL, and requires the auth token of every account to check signatures on the api role', () => {
    const SK = 'SK' + 'd'.repeat(32);
    const AC2 = 'AC' + 'c'.repeat(32);
    const url = 'https://hooks.example.com/mirror/twilio?tenant=a';
    expect(loadConfig(base).webhooks).toEqual({ publicUrl: null, fetchConcurrency: 64, hotUserIntervalMs: 1000 });
    expect(loadConfig({ ...base, WEBHOOK_PUBLIC_URL: url }).webhooks.publicUrl).toBe(url);
    // An API key for requests and the auth token beside it, for signatures only.
    const keyed = loadConfig({
      ...base,
      TWILIO_API_KEY: SK,
      TWILIO_API_SECRET: 'key-secret',
      TWILIO_ACCOUNTS: `${AC2}:${SK}:key-secret-2:auth-token-2`,
      WEBHOOK_PUBLIC_URL: url,
    });
    expect(keyed.twilio.accounts).toEqual([
      { kind: 'apiKey', accountSid: AC, apiKeySid: SK, apiKeySecret: 'key-secret', authToken: 'tok-secret-value' },
      { kind: 'apiKey', accountSid: AC2, apiKeySid: SK, apiKeySecret: 'key-secret-2', authToken: 'auth-token-2' },
    ]);
    const p = problems({
      TWILIO_ACCOUNT_SID: AC,
      TWILIO_API_KEY: SK,
      TWILIO_API_SECRET: 'key-secret',
      TWILIO_ACCOUNTS: `${AC2}:${SK}:key-secret-2`,
      API_TOKENS: 'read-token-1',
      WEBHOOK_PUBLIC_URL: url,
    });
    expect(p).toEqual([
      expect.stringMatching(new RegExp(`^WEBHOOK_PUBLIC_URL: account ${AC} is configured with an API key; .*TWILIO_AUTH_TOKEN beside TWILIO_API_KEY, or as a 4th field in TWILIO_ACCOUNTS`)),
      expect.stringMatching(new RegExp(`^WEBHOOK_PUBLIC_URL: account ${AC2} is configured with an API key`)),
    ]);
    expect(p.join('\n')).not.toContain('key-secret');
    // Only the api role receives webhooks; a worker needs no auth token beside its key.
    expect(loadConfig({ ROLES: 'worker', TWILIO_ACCOUNT_SID: AC, TWILIO_API_KEY: SK, TWILIO_API_SECRET: 'k', WEBHOOK_PUBLIC_URL: url }).webhooks.publicUrl).toBe(url);
    expect(problems({ ROLES: 'api', API_TOKENS: 'read-token-1', WEBHOOK_PUBLIC_URL: url })).toEqual([
      expect.stringMatching(/^WEBHOOK_PUBLIC_URL: the api role checks webhook signatures with the accounts' auth tokens/),
    ]);
    expect(problems({ ...base, WEBHOOK_PUBLIC_URL: 'ftp://x/y' })).toEqual([expect.stringMatching(/^WEBHOOK_PUBLIC_URL: must be an http\(s\) URL/)]);
    expect(problems({ ...base, WEBHOOK_PUBLIC_URL: 'https://x.example/hooks#frag' })).toEqual([expect.stringMatching(/^WEBHOOK_PUBLIC_URL: must be the whole URL Twilio calls/)]);
    expect(problems({ ...base, TWILIO_ACCOUNTS: `${AC2}:${SK}:secret:` })).toEqual([expect.stringMatching(/^TWILIO_ACCOUNTS: entry 1 must be ACsid:authToken, ACsid:SKsid:secret or ACsid:SKsid:secret:authToken$/)]);
  });

  it('lets database-only tools (migrations) start without the roles\' credentials', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db' }, { forRoles: false }).databaseUrl).toBe('postgres://u@h:5432/db');
    expect(() => loadConfig({ DATABASE_URL: 'nope' }, { forRoles: false })).toThrow(/DATABASE_URL/);
  });

  it('never echoes a secret in its message', () => {
    const p = problems({ TWILIO_ACCOUNT_SID: 'nope', TWILIO_AUTH_TOKEN: 'super-secret-token', TWILIO_ACCOUNTS: `${AC}:other-secret:x:y` });
    const text = new ConfigError(p).message;
    expect(text).toMatch(/TWILIO_ACCOUNT_SID/);
    expect(text).not.toContain('super-secret-token');
    expect(text).not.toContain('other-secret');
  });
});
