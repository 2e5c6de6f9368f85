import { plainToInstance } from 'class-transformer';
import { compile as compileTrust } from 'proxy-addr';
import { validateSync, ValidationError } from 'class-validator';
import { CronTime } from 'cron';
import { AppConfig, ConfiguredService, Role, TwilioAccountAuth } from './app-config';
import { parseApiTokens } from './api-tokens.parser';
import { EnvironmentVariables } from './env.schema';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const SERVICE_SID = /^IS[0-9a-fA-F]{32}$/;
const API_KEY_SID = /^SK[0-9a-fA-F]{32}$/;

export interface LoadConfigOptions {
  /** False for tools that only touch the database (migrations): the roles' own requirements do not apply. */
  forRoles?: boolean;
}

/** Names each variable and reason; never echoes a secret's value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: LoadConfigOptions = {}): AppConfig {
  const forRoles = opts.forRoles ?? true;
  const known = Object.keys(new EnvironmentVariables());
  const raw: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const vars = plainToInstance(EnvironmentVariables, raw);
  const problems = validateSync(vars, { whitelist: true }).map(describe);

  const accounts = parseAccounts(vars, problems);
  const roles = new Set(vars.ROLES.split(',').map((r) => r.trim()) as Role[]);
  const services = parseServices(vars.TWILIO_SERVICE_SIDS, accounts, problems);

  if (vars.SYNC_CRON && !problems.some((p) => p.startsWith('SYNC_CRON'))) {
    try {
      new CronTime(vars.SYNC_CRON);
    } catch (e) {
      problems.push(`SYNC_CRON: is not a valid cron expression (${(e as Error).message})`);
    }
  }
  if (forRoles && (roles.has('worker') || roles.has('scheduler')) && accounts.length === 0 && !problems.some((p) => p.startsWith('TWILIO_'))) {
    problems.push('TWILIO_ACCOUNT_SID: is required for the worker and scheduler roles (or set TWILIO_ACCOUNTS)');
  }
  const grants = parseApiTokens(vars.API_TOKENS, vars.API_TOKENS_FILE, problems);
  if (forRoles && roles.has('api') && grants.length === 0 && !problems.some((p) => p.startsWith('API_TOKENS'))) {
    problems.push('API_TOKENS: is required for the api role (a comma list of tokens, or set API_TOKENS_FILE)');
  }
  const metricsToken = parseMetricsToken(vars.METRICS_TOKEN, problems);
  for (const [base, cap] of [['CRAWL_RETRY_BASE_MS', 'CRAWL_RETRY_CAP_MS'], ['THROTTLE_BASE_MS', 'THROTTLE_CAP_MS']] as const) {
    if (vars[base] > vars[cap]) problems.push(`${base}: must not exceed ${cap} (${vars[cap]})`);
  }
  for (const key of ['DATABASE_URL', 'REDIS_URL'] as const) {
    if (!problems.some((p) => p.startsWith(`${key}:`)) && !wholeUrl(vars[key])) {
      // Never the value: it may hold a password. A drivers' "Invalid URL" error would print it whole.
      problems.push(`${key}: is not a valid URL (percent-encode characters such as # / ? @ in the user name or password)`);
    }
  }
  const trustProxy = parseTrustProxy(vars.TRUST_PROXY, problems);
  const webhookUrl = parseWebhookUrl(vars.WEBHOOK_PUBLIC_URL, problems);
  if (webhookUrl && forRoles && roles.has('api')) checkWebhookTokens(accounts, problems);
  if (problems.length) throw new ConfigError(problems);

  return {
    databaseUrl: vars.DATABASE_URL,
    redisUrl: vars.REDIS_URL,
    queuePrefix: vars.QUEUE_PREFIX,
    roles,
    port: vars.PORT,
    logLevel: vars.LOG_LEVEL,
    twilio: {
      baseUrl: vars.TWILIO_BASE_URL.replace(/\/+$/, ''),
      pageSize: vars.TWILIO_PAGE_SIZE,
      timeoutMs: vars.TWILIO_TIMEOUT_MS,
      inFlightStart: Math.min(vars.TWILIO_MAX_IN_FLIGHT_START, vars.TWILIO_MAX_IN_FLIGHT),
      inFlightMax: vars.TWILIO_MAX_IN_FLIGHT,
      accounts,
      services,
    },
    api: { tokens: grants.map((g) => g.token), grants, trustProxy },
    webhooks: {
      publicUrl: webhookUrl,
      fetchConcurrency: vars.WEBHOOK_FETCH_CONCURRENCY,
      hotUserIntervalMs: vars.WEBHOOK_HOT_USER_INTERVAL_MS,
    },
    metrics: { token: metricsToken },
    privacy: { deletedUserRetentionDays: vars.DELETED_USER_RETENTION_DAYS, erasureIntervalMs: vars.ERASURE_INTERVAL_MS },
    events: {
      // Under the queue's prefix unless named: one prefix then keeps a whole deployment's keys apart.
      stream: vars.EVENTS_STREAM ?? `${vars.QUEUE_PREFIX}:user-events`,
      streamMaxLen: vars.EVENTS_STREAM_MAXLEN,
      retentionHours: vars.EVENTS_RETENTION_HOURS,
    },
    feed: {
      maxSubscribers: vars.EVENTS_FEED_MAX_SUBSCRIBERS,
      maxSubscribersPerToken: Math.min(vars.EVENTS_FEED_MAX_SUBSCRIBERS_PER_TOKEN, vars.EVENTS_FEED_MAX_SUBSCRIBERS),
      replayRate: vars.EVENTS_FEED_REPLAY_RATE,
      replayProcessRate: vars.EVENTS_FEED_REPLAY_PROCESS_RATE,
      slowClientGraceMs: vars.EVENTS_FEED_SLOW_CLIENT_GRACE_MS,
      safetyPollMs: vars.EVENTS_FEED_SAFETY_POLL_MS,
    },
    sync: {
      cron: vars.SYNC_CRON,
      onStart: vars.SYNC_ON_START,
      recoverIntervalMs: vars.SYNC_RECOVER_INTERVAL_MS,
      workerConcurrency: vars.WORKER_CONCURRENCY,
      sliceMs: vars.CRAWL_SLICE_MS,
      maxAttempts: vars.CRAWL_MAX_ATTEMPTS,
      maxRetries: vars.CRAWL_MAX_RETRIES,
      maxPages: vars.CRAWL_MAX_PAGES,
      retryBaseMs: vars.CRAWL_RETRY_BASE_MS,
      retryCapMs: vars.CRAWL_RETRY_CAP_MS,
      throttleBaseMs: vars.THROTTLE_BASE_MS,
      throttleCapMs: vars.THROTTLE_CAP_MS,
      lockDurationMs: vars.WORKER_LOCK_MS,
    },
  };
}

const TYPE_RULES = ['isInt', 'isBoolean', 'isString'];

function describe(error: ValidationError): string {
  const constraints = error.constraints ?? {};
  // A value of the wrong type fails every range rule too; the type is the one reason worth reading.
  const typeRule = TYPE_RULES.find((r) => r in constraints);
  const messages = typeRule ? [constraints[typeRule]] : Object.values(constraints);
  const reasons = messages.map((m) => m.replace(new RegExp(`^${error.property} `), ''));
  return `${error.property}: ${reasons.join('; ')}`;
}

function parseAccounts(vars: EnvironmentVariables, problems: string[]): TwilioAccountAuth[] {
  const accounts: TwilioAccountAuth[] = [];
  if (vars.TWILIO_ACCOUNT_SID) {
    if (vars.TWILIO_API_KEY || vars.TWILIO_API_SECRET) {
      if (!vars.TWILIO_API_KEY) problems.push('TWILIO_API_KEY: is required with TWILIO_API_SECRET');
      else if (!vars.TWILIO_API_SECRET) problems.push('TWILIO_API_SECRET: is required with TWILIO_API_KEY');
      else
        accounts.push({
          kind: 'apiKey',
          accountSid: vars.TWILIO_ACCOUNT_SID,
          apiKeySid: vars.TWILIO_API_KEY,
          apiKeySecret: vars.TWILIO_API_SECRET,
          // Beside an API key, the auth token only checks webhook signatures (Twilio signs them with it).
          ...(vars.TWILIO_AUTH_TOKEN ? { authToken: vars.TWILIO_AUTH_TOKEN } : {}),
        });
    } else if (vars.TWILIO_AUTH_TOKEN) {
      accounts.push({ kind: 'token', accountSid: vars.TWILIO_ACCOUNT_SID, authToken: vars.TWILIO_AUTH_TOKEN });
    } else {
      problems.push('TWILIO_AUTH_TOKEN: is required with TWILIO_ACCOUNT_SID (or set TWILIO_API_KEY and TWILIO_API_SECRET)');
    }
  } else if (vars.TWILIO_AUTH_TOKEN || vars.TWILIO_API_KEY) {
    problems.push('TWILIO_ACCOUNT_SID: is required when a Twilio credential is set');
  }

  for (const [i, entry] of (vars.TWILIO_ACCOUNTS ?? '').split(',').map((s) => s.trim()).filter(Boolean).entries()) {
    const parts = entry.split(':');
    const where = `TWILIO_ACCOUNTS: entry ${i + 1}`;
    if (!ACCOUNT_SID.test(parts[0] ?? '')) problems.push(`${where} must start with an account sid (AC + 32 hex)`);
    else if (parts.length === 2 && parts[1]) accounts.push({ kind: 'token', accountSid: parts[0], authToken: parts[1] });
    else if ((parts.length === 3 || parts.length === 4) && API_KEY_SID.test(parts[1]) && parts[2] && parts[3] !== '')
      accounts.push({
        kind: 'apiKey',
        accountSid: parts[0],
        apiKeySid: parts[1],
        apiKeySecret: parts[2],
        ...(parts.length === 4 ? { authToken: parts[3] } : {}),
      });
    else problems.push(`${where} must be ACsid:authToken, ACsid:SKsid:secret or ACsid:SKsid:secret:authToken`);
  }
  const seen = new Set<string>();
  for (const a of accounts) {
    if (seen.has(a.accountSid)) problems.push(`TWILIO_ACCOUNTS: account ${a.accountSid} is configured twice`);
    seen.add(a.accountSid);
  }
  return accounts;
}

function parseServices(value: string | undefined, accounts: TwilioAccountAuth[], problems: string[]): ConfiguredService[] {
  const services: ConfiguredService[] = [];
  for (const entry of (value ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [a, b] = entry.includes('/') ? entry.split('/') : [accounts[0]?.accountSid, entry];
    if (!SERVICE_SID.test(b ?? '')) {
      problems.push(`TWILIO_SERVICE_SIDS: "${entry}" is not a service sid (IS + 32 hex, optionally ACsid/ISsid)`);
    } else if (!a || !accounts.some((acc) => acc.accountSid === a)) {
      problems.push(`TWILIO_SERVICE_SIDS: "${entry}" names no configured account`);
    } else if (!services.some((s) => s.serviceSid === b)) {
      services.push({ accountSid: a, serviceSid: b });
    }
  }
  return services;
}

function parseMetricsToken(value: string | undefined, problems: string[]): string | null {
  if (value === undefined) return null;
  const token = value.trim();
  // The same rules as API_TOKENS: long enough not to be guessed, and presentable in an Authorization header.
  if (token.length < 8) problems.push('METRICS_TOKEN: must be at least 8 characters');
  else if (/\s/.test(token)) problems.push('METRICS_TOKEN: must not contain whitespace');
  return token;
}

function parseTrustProxy(value: string | undefined, problems: string[]): AppConfig['api']['trustProxy'] {
  if (value === undefined || /^(false|0|no|off)$/i.test(value)) return false;
  if (/^(true|yes|on)$/i.test(value)) return true;
  if (/^\d+$/.test(value)) return Number(value);
  const list = value.split(',').map((a) => a.trim()).filter(Boolean);
  try {
    compileTrust(list); // what Express will do with it: refuses what is not an address, a subnet or a known name
    return list;
  } catch (e) {
    problems.push(`TRUST_PROXY: ${(e as Error).message}; expected true, a number of hops, or a comma list of addresses, subnets, loopback, linklocal, uniquelocal`);
    return false;
  }
}

/** WEBHOOK_PUBLIC_URL is used verbatim as the signed URL: it must be exactly what Twilio is configured to call. */
function parseWebhookUrl(value: string | undefined, problems: string[]): string | null {
  if (value === undefined || problems.some((p) => p.startsWith('WEBHOOK_PUBLIC_URL:'))) return null;
  if (!wholeUrl(value)) {
    problems.push('WEBHOOK_PUBLIC_URL: must be the whole URL Twilio calls, without a fragment (#)');
    return null;
  }
  return value;
}

/** The receiver checks each account's webhooks with its auth token: an account configured with an API key only cannot be checked. */
function checkWebhookTokens(accounts: TwilioAccountAuth[], problems: string[]): void {
  if (accounts.length === 0) {
    problems.push('WEBHOOK_PUBLIC_URL: the api role checks webhook signatures with the accounts\' auth tokens: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_ACCOUNTS)');
  }
  for (const a of accounts) {
    if (a.authToken) continue;
    problems.push(
      `WEBHOOK_PUBLIC_URL: account ${a.accountSid} is configured with an API key; Twilio signs webhooks with the account's auth token: ` +
        'give it as TWILIO_AUTH_TOKEN beside TWILIO_API_KEY, or as a 4th field in TWILIO_ACCOUNTS (ACsid:SKsid:secret:authToken)',
    );
  }
}

/** Parses as a URL with nothing after a '#': a stray '#' in a password would cut the URL short there. */
function wholeUrl(value: string): boolean {
  try {
    return new URL(value).hash === '' && !value.includes('#');
  } catch {
    return false;
  }
}
