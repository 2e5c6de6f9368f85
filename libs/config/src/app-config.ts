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
    /** Bearer tokens accepted by the read API; never logged. */
    tokens: string[];
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
  events: {
    stream: string;
    streamMaxLen: number;
    retentionHours: number;
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
