import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
} from 'class-validator';

const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value; // left as a string so IsBoolean names it
};
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
/** Node.js runs a longer timer at once (with a warning): a timeout beyond it would fire immediately. */
const MAX_TIMER_MS = 2_147_483_647;
const MaxTimerMs = () => Max(MAX_TIMER_MS, { message: `must be at most ${MAX_TIMER_MS} (what a Node.js timer holds)` });
const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/**
 * Every environment variable the service reads, with its default and its rule.
 * Validated once at boot (see load-config.ts); nothing else reads process.env.
 */
export class EnvironmentVariables {
  @Transform(trimmed)
  @Matches(/^postgres(ql)?:\/\/[^/]+\/[A-Za-z0-9_\-]+(\?.*)?$/, {
    message: 'must be a postgres:// URL that names a database',
  })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/twilio_mirror';

  @Transform(trimmed)
  @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @IsOptional()
  @Transform(trimmed)
  @Matches(/^AC[0-9a-fA-F]{32}$/, { message: 'must be an account sid: AC followed by 32 hex digits' })
  TWILIO_ACCOUNT_SID?: string;

  @IsOptional()
  @IsString()
  TWILIO_AUTH_TOKEN?: string;

  @IsOptional()
  @Transform(trimmed)
  @Matches(/^SK[0-9a-fA-F]{32}$/, { message: 'must be an API key sid: SK followed by 32 hex digits' })
  TWILIO_API_KEY?: string;

  @IsOptional()
  @IsString()
  TWILIO_API_SECRET?: string;

  /**
   * More accounts: comma list of `ACsid:authToken`, `ACsid:SKsid:secret`, or `ACsid:SKsid:secret:authToken` (an API
   * key for requests, and the account's auth token, which Twilio signs webhooks with).
   */
  @IsOptional()
  @IsString()
  TWILIO_ACCOUNTS?: string;

  /** Comma list of `ISsid` (first account) or `ACsid/ISsid`; empty means discover. */
  @IsOptional()
  @IsString()
  TWILIO_SERVICE_SIDS?: string;

  @Transform(trimmed)
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  TWILIO_BASE_URL = 'https://conversations.twilio.com';

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(50)
  TWILIO_PAGE_SIZE = 50;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(100)
  @MaxTimerMs()
  TWILIO_TIMEOUT_MS = 30000;

  /** Requests in flight per account: where the adaptive budget starts, and its ceiling. */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(1000)
  TWILIO_MAX_IN_FLIGHT_START = 4;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(1000)
  TWILIO_MAX_IN_FLIGHT = 32;

  @Transform(trimmed)
  @IsString()
  SYNC_CRON = '*/15 * * * *';

  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  SYNC_ON_START = true;

  /**
   * How often the scheduler looks for crawls left running without a job (their jobs were lost with Redis's data)
   * and enqueues them again: they resume from their checkpoints.
   */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(100)
  @MaxTimerMs()
  SYNC_RECOVER_INTERVAL_MS = 30_000;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(256)
  WORKER_CONCURRENCY = 64;

  /**
   * A crawl that has run this long hands its job back (committed, at its checkpoint) when other crawl jobs wait, so
   * that with more services than WORKER_CONCURRENCY every service progresses.
   */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1000)
  @MaxTimerMs()
  CRAWL_SLICE_MS = 60_000;

  /** Attempts of a crawl job for retryable faults (5xx, timeouts, malformed bodies); 429s never count. */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(100)
  CRAWL_MAX_ATTEMPTS = 8;

  /** In-place retries of one page for 5xx, timeouts, resets and malformed bodies; past it the run fails. */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(0)
  @Max(1000)
  CRAWL_MAX_RETRIES = 8;

  /** A crawl reading more pages than this fails: an upstream that pages for ever must not be followed for ever. */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(100_000_000)
  CRAWL_MAX_PAGES = 200_000;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1)
  @MaxTimerMs()
  CRAWL_RETRY_BASE_MS = 250;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1)
  @MaxTimerMs()
  CRAWL_RETRY_CAP_MS = 30000;

  /** Backoff after a 429 without Retry-After: full jitter from this base, doubled per consecutive 429. */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1)
  @MaxTimerMs()
  THROTTLE_BASE_MS = 500;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1)
  @MaxTimerMs()
  THROTTLE_CAP_MS = 60000;

  /** BullMQ job lock; a killed worker's job is recovered after about this long. */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1000)
  @MaxTimerMs()
  WORKER_LOCK_MS = 30000;

  /**
   * The exact URL Twilio calls with webhooks (scheme, host, port, path and any query, as configured in Twilio's
   * PostWebhookUrl): signatures are computed over it, and a proxy in front of the api role changes what the
   * request itself says. Unset: the webhook receiver is off.
   */
  @IsOptional()
  @Transform(trimmed)
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  WEBHOOK_PUBLIC_URL?: string;

  /**
   * User fetches that webhook hints may run at once per worker process. The accounts' budgets govern how many
   * requests are in flight: a fetch waiting for one holds nothing but its slot here.
   */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(256)
  WEBHOOK_FETCH_CONCURRENCY = 64;

  /**
   * A user whose hints keep coming is fetched at most once per this interval, after one immediate follow-up: a
   * burst of hooks costs a few fetches, and each state it leaves is read within about this long.
   */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(0)
  @Max(60_000)
  WEBHOOK_HOT_USER_INTERVAL_MS = 1000;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @Transform(trimmed)
  @Matches(/^(api|worker|scheduler)(\s*,\s*(api|worker|scheduler))*$/, {
    message: 'must be a comma list of api, worker, scheduler',
  })
  ROLES = 'api,worker,scheduler';

  /** Redis key prefix of the queues; the braces are a Redis Cluster hash tag. */
  @Transform(trimmed)
  @Matches(/^\{[A-Za-z0-9:_\-]+\}$|^[A-Za-z0-9:_\-]+$/, { message: 'must be a key prefix such as {mirror}' })
  QUEUE_PREFIX = '{mirror}';

  /**
   * Read-API tokens (comma list of `token`, `name:token` or `name:token:scope`; see api-tokens.parser.ts);
   * this or API_TOKENS_FILE is required when the api role runs.
   */
  @IsOptional()
  @IsString()
  API_TOKENS?: string;

  /** A file of more read-API tokens, one entry per line in API_TOKENS' grammar (`#` starts a comment line). */
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  API_TOKENS_FILE?: string;

  /** Bearer token scrapers present at GET /metrics (every role serves it); unset: /metrics is open. */
  @IsOptional()
  @IsString()
  METRICS_TOKEN?: string;

  /**
   * Which proxies in front of the api role to believe about the client's protocol and host
   * (X-Forwarded-Proto/-Host), for the URLs the Twilio-compatible surface writes: unset (none), `true`, a
   * number of hops, or a comma list of addresses, subnets and loopback/linklocal/uniquelocal.
   */
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  TRUST_PROXY?: string;

  /** Redis Stream the outbox relay publishes CloudEvents to; default `<QUEUE_PREFIX>:user-events`. */
  @IsOptional()
  @Transform(trimmed)
  @Matches(/^[^\s]+$/, { message: 'must be a Redis key without spaces' })
  EVENTS_STREAM?: string;

  /** Approximate length the stream is trimmed to (XADD MAXLEN ~). */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(1_000_000_000)
  EVENTS_STREAM_MAXLEN = 1000000;

  /** How long published events stay in the outbox for the HTTP change feed; older sequences answer 410. */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of hours' })
  @Min(1)
  @Max(87_600) // ten years
  EVENTS_RETENTION_HOURS = 168;

  // ── The HTTP change feed (GET /v1/events, /v1/events/stream) ──

  /** Open feed requests (SSE streams and long-polls together) one api process serves at once; past it, 429. */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(100_000)
  EVENTS_FEED_MAX_SUBSCRIBERS = 2000;

  /** The same, per read-API token: one consumer cannot take every slot. */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(100_000)
  EVENTS_FEED_MAX_SUBSCRIBERS_PER_TOKEN = 1000;

  /** Events a second one SSE stream (or one token's long-polls) is sent at most, after a burst of one second's worth. */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of events per second' })
  @Min(1)
  @Max(10_000_000)
  EVENTS_FEED_REPLAY_RATE = 5000;

  /** Events a second all replays of one api process are sent together, shared in turn: what replays may cost it. */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of events per second' })
  @Min(1)
  @Max(100_000_000)
  EVENTS_FEED_REPLAY_PROCESS_RATE = 100000;

  /** How long an SSE client may leave a written page unread before the stream is cut (it resumes with Last-Event-ID). */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(100)
  @MaxTimerMs()
  EVENTS_FEED_SLOW_CLIENT_GRACE_MS = 30000;

  /** How often the feed re-reads the published watermark in case a NOTIFY was lost (NOTIFY does the real work). */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(100)
  @MaxTimerMs()
  EVENTS_FEED_SAFETY_POLL_MS = 5000;
  /**
   * Days after which a deleted user's personal data (identity, friendly name, attributes) is erased from its
   * tombstone and from its events in the outbox (Twilio's delete SLA for these fields is 30 days).
   */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of days' })
  @Min(1)
  @Max(36_500)
  DELETED_USER_RETENTION_DAYS = 30;

  /** How often the scheduler role erases what is past DELETED_USER_RETENTION_DAYS. */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds' })
  @Min(1000)
  @MaxTimerMs()
  ERASURE_INTERVAL_MS = 3_600_000;

  @Transform(trimmed)
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';
}
