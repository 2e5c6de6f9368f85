export type Role = 'api' | 'worker' | 'scheduler';

export type TwilioAccountAuth =
  | { kind: 'token'; accountSid: string; authToken: string }
  | {
      kind: 'apiKey';
      accountSid: string;
      apiKeySid: string;
      apiKeySecret: string;
      /** The account's auth token, for webhook signatures only (Twilio signs them with it, never with a key). */
      authToken?: string;
    };

/** The auth token Twilio signs the account's webhooks with, if the configuration gives it. */
export function webhookAuthToken(auth: TwilioAccountAuth): string | undefined {
  return auth.authToken;
}

export interface ConfiguredService {
  accountSid: string;
  serviceSid: string;
}

/**
 * What a read-API token may see and do (API_TOKENS, see api-tokens.parser.ts). AccessScope (libs/auth) is the
 * behaviour over this data.
 */
export interface TokenScopeSpec {
  /** May also trigger work (crawls, erasures), not only read. */
  trigger: boolean;
  /** Every account and service. */
  all: boolean;
  accounts: string[];
  /** A service, with the account it was written with (ACsid/ISsid), which the Twilio surface accepts as user name. */
  services: { serviceSid: string; accountSid: string | null }[];
  /** API key sids the Twilio surface accepts as HTTP Basic user name, each standing for one account. */
  apiKeys: { keySid: string; accountSid: string }[];
}

/** One configured read-API token: its name (logged), the token (a secret) and its scope. */
export interface ApiTokenGrant {
  name: string;
  token: string;
  scope: TokenScopeSpec;
}

/** The one typed view of the environment; built by loadConfig(). */
export interface AppConfig {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  roles: ReadonlySet<Role>;
  port: number;
  logLevel: string;
  twilio: {
    baseUrl: string;
    pageSize: number;
    timeoutMs: number;
    /** The adaptive per-account concurrency budget (libs/rate-limit). */
    inFlightStart: number;
    inFlightMax: number;
    accounts: TwilioAccountAuth[];
    /** Empty: discover every service of every account through GET /v1/Services. */
    services: ConfiguredService[];
  };
  api: {
    /** Every read-API token's value, in grant order (secrets: never logged). */
    tokens: string[];
    /** The tokens with their names and scopes. */
    grants: ApiTokenGrant[];
    /** Express's `trust proxy`: false, true, a hop count, or addresses and subnets (see TRUST_PROXY). */
    trustProxy: boolean | number | string[];
  };
  webhooks: {
    /** The URL Twilio calls (WEBHOOK_PUBLIC_URL); null: the receiver is off. */
    publicUrl: string | null;
    /** Webhook user fetches per worker process at most. */
    fetchConcurrency: number;
    /** A user whose hints keep coming is fetched at most once per this long (after one immediate follow-up). */
    hotUserIntervalMs: number;
  };
  /** Prometheus metrics (libs/metrics). */
  metrics: {
    /** Bearer token a scraper must present at GET /metrics; null: /metrics is open. Never logged. */
    token: string | null;
  };
  events: {
    stream: string;
    streamMaxLen: number;
    retentionHours: number;
  };
  /** The HTTP change feed's limits (api role). */
  feed: {
    maxSubscribers: number;
    maxSubscribersPerToken: number;
    /** Events per second per SSE stream, or per token for long-polls. */
    replayRate: number;
    /** Events per second for all replays of the process together. */
    replayProcessRate: number;
    slowClientGraceMs: number;
    safetyPollMs: number;
  };
  /** Personal data of users deleted upstream (identity, friendly name, attributes: Twilio marks them PII). */
  privacy: {
    /** Days a tombstone keeps them after deleted_at; then they are erased from users and the outbox. */
    deletedUserRetentionDays: number;
    /** How often the scheduler role looks for tombstones past the retention. */
    erasureIntervalMs: number;
  };
  sync: {
    cron: string;
    onStart: boolean;
    /** How often running crawls without a job are enqueued again. */
    recoverIntervalMs: number;
    /** Crawl jobs per worker process at most: the accounts' budgets govern how many requests are in flight. */
    workerConcurrency: number;
    /** How long a crawl runs before it yields its job to waiting crawls. */
    sliceMs: number;
    maxAttempts: number;
    maxRetries: number;
    /** Pages one crawl may read (all its runs together) before it fails. */
    maxPages: number;
    retryBaseMs: number;
    retryCapMs: number;
    throttleBaseMs: number;
    throttleCapMs: number;
    lockDurationMs: number;
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
