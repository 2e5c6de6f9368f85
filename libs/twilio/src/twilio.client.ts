import { performance } from 'node:perf_hooks';
import { Agent, request, type Dispatcher } from 'undici';
import { parseErrorBody } from './error-body.parser';
import { foreignUrlProblem, ListEnvelope, MAX_PAGE_SIZE, parseJsonBody, parseListEnvelope, parseListRecords } from './list-page.parser';
import { parseRetryAfter } from './retry-after.parser';
import { parseService } from './service.parser';
import { parseServiceWebhookConfig, parseWebhookConfig } from './webhook-config.parser';
import { authMaterial, type AuthMaterial } from './twilio.auth';
import {
  errorForStatus,
  TwilioError,
  TwilioMalformedResponseError,
  TwilioNetworkError,
  TwilioRequestError,
} from './twilio.errors';
import { isUserSid } from './twilio.sids';
import type {
  Page,
  ReadUser,
  TwilioServiceWebhookConfig,
  TwilioWebhookConfig,
  UsersEnvelope,
  WebhookConfigUpdate,
  RejectedRecord,
  RequestLease,
  RequestLimiter,
  RequestObserver,
  TwilioClientOptions,
  TwilioLogger,
  TwilioService,
  TwilioUser,
} from './twilio.types';
import { parseUser, type RecordResult } from './user.parser';

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECTIONS = 16;
const SNIPPET_CHARS = 200;
/** What an error keeps of Twilio's message and more_info. */
const ERROR_TEXT_CHARS = 500;
// A users page is at most 50 users of ≤16 KiB attributes; anything far beyond that is not Twilio talking.
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const DEFAULT_USER_AGENT = 'twilio-conversations-user-mirror';
const UNDICI_TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Marks our own deadline as the abort reason, to tell it apart from the caller's signal. */
class AttemptTimeout extends Error {}

type Fail = (reason: string) => never;
type BodyParser<T> = (text: string, fail: Fail) => T;

/** When the request went out, filled in by #send once it has its lease. */
interface SentAt {
  at: number;
}

/**
 * Client for the Conversations users/services API (reads), and the account's webhook configuration (read and
 * write, for the registration tool).
 *
 * One call = one HTTP attempt: the client never retries. Whether and when to retry (429 backoff, Retry-After,
 * 5xx, network errors) is the worker's policy, driven by the typed errors' `retryable` flag.
 *
 * Credentials live only in private fields, so neither `util.inspect(client)` nor `JSON.stringify(client)` shows
 * them, and every text that reaches an error or a log line is redacted.
 */
export class TwilioClient {
  readonly accountSid: string;
  readonly baseUrl: string;

  readonly #auth: AuthMaterial;
  readonly #origin: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownAgent: Agent | null;
  readonly #timeoutMs: number;
  readonly #limiter: RequestLimiter | undefined;
  readonly #onRequest: RequestObserver | undefined;
  readonly #logger: TwilioLogger | undefined;
  readonly #userAgent: string;
  readonly #checkAttributesJson: boolean;

  constructor(opts: TwilioClientOptions) {
    let base: URL;
    try {
      base = new URL(opts.baseUrl);
    } catch {
      throw new TypeError(`TwilioClient: baseUrl ${JSON.stringify(opts.baseUrl)} is not an absolute URL`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError('TwilioClient: baseUrl must be http(s)');
    if (base.username || base.password) throw new TypeError('TwilioClient: baseUrl must not carry credentials; use auth');
    if (base.search || base.hash) throw new TypeError('TwilioClient: baseUrl must not have a query or fragment');

    this.#auth = authMaterial(opts.auth);
    this.accountSid = this.#auth.accountSid;
    this.baseUrl = base.origin + base.pathname.replace(/\/+$/, '');
    this.#origin = base.origin;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.#timeoutMs > 0)) throw new RangeError('TwilioClient: timeoutMs must be > 0');
    this.#limiter = opts.limiter;
    this.#onRequest = opts.onRequest;
    this.#logger = opts.logger;
    this.#userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
    this.#checkAttributesJson = opts.checkAttributesJson ?? true;
    if (opts.dispatcher) {
      this.#dispatcher = opts.dispatcher;
      this.#ownAgent = null;
    } else {
      this.#ownAgent = new Agent({
        connections: opts.connections ?? DEFAULT_CONNECTIONS,
        connectTimeout: this.#timeoutMs,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        keepAliveTimeout: 10_000,
        maxResponseSize: MAX_RESPONSE_BYTES,
      });
      this.#dispatcher = this.#ownAgent;
    }
  }

  firstUsersPageUrl(serviceSid: string, pageSize?: number): string {
    return `${this.baseUrl}/v1/Services/${encodeURIComponent(serviceSid)}/Users?PageSize=${checkPageSize(pageSize)}`;
  }

  /**
   * One page of users, records checked; `url` is a previous page's `nextPageUrl` (or a checkpoint of it),
   * followed verbatim.
   */
  async fetchUsersPage(serviceSid: string, url?: string, signal?: AbortSignal): Promise<Page<TwilioUser>> {
    return this.readUsers(await this.fetchUsersEnvelope(serviceSid, url, signal));
  }

  /**
   * One page of users with its envelope checked and its records not yet (readUsers does that, and cannot fail the
   * page): a crawler knows the next URL, and can ask for that page, before it reads this one.
   */
  async fetchUsersEnvelope(serviceSid: string, url?: string, signal?: AbortSignal): Promise<UsersEnvelope> {
    const target = url ?? this.firstUsersPageUrl(serviceSid);
    const sent: SentAt = { at: 0 };
    const envelope = await this.#fetchEnvelope(target, 'users', signal, sent);
    return { ...envelope, serviceSid, requestedAt: sent.at };
  }

  /** The records of a fetched envelope: the valid ones, and the others with why (logged, upstream text redacted). */
  readUsers(envelope: UsersEnvelope): Page<TwilioUser> {
    const { serviceSid, requestedAt: _, ...page } = envelope;
    const checks = { checkAttributesJson: this.#checkAttributesJson };
    return this.#readRecords(page, 'users', (raw) => parseUser(raw, serviceSid, checks), { serviceSid });
  }

  /** A user by sid or by identity (any characters; URL-encoded here). A missing user is TwilioNotFoundError. */
  async fetchUser(serviceSid: string, sidOrIdentity: string, signal?: AbortSignal): Promise<TwilioUser> {
    return (await this.readUser(serviceSid, sidOrIdentity, signal)).user;
  }

  /** fetchUser, with when the request went out. */
  async readUser(serviceSid: string, sidOrIdentity: string, signal?: AbortSignal): Promise<ReadUser> {
    if (typeof sidOrIdentity !== 'string' || sidOrIdentity === '') throw new TypeError('fetchUser: sid or identity is required');
    const url = `${this.baseUrl}/v1/Services/${encodeURIComponent(serviceSid)}/Users/${encodeURIComponent(sidOrIdentity)}`;
    // "." and ".." survive encodeURIComponent and every URL parser collapses them as dot segments: the request
    // would silently hit another resource.
    if (sidOrIdentity === '.' || sidOrIdentity === '..') {
      throw new TwilioRequestError({ status: null, url, reason: 'an identity of "." or ".." cannot be put in a URL path' });
    }
    const sent: SentAt = { at: 0 };
    const user = await this.#send('GET', url, null, signal, (text: string, fail: Fail) => {
      const r = parseUser(parseJsonOrFail(text, fail), serviceSid);
      if (!r.ok) fail(`user record rejected: ${r.reason}`);
      if (isUserSid(sidOrIdentity) && r.value.sid.toLowerCase() !== sidOrIdentity.toLowerCase()) {
        fail('answered with a different user sid');
      }
      return r.value;
    }, sent);
    return { user, requestedAt: sent.at };
  }

  async fetchService(serviceSid: string, signal?: AbortSignal): Promise<TwilioService> {
    const url = `${this.baseUrl}/v1/Services/${encodeURIComponent(serviceSid)}`;
    return this.#send('GET', url, null, signal, (text: string, fail: Fail) => {
      const r = parseService(parseJsonOrFail(text, fail));
      if (!r.ok) fail(`service record rejected: ${r.reason}`);
      if (r.value.sid !== serviceSid) fail('answered with a different service sid');
      return r.value;
    });
  }

  async fetchServicesPage(url?: string, signal?: AbortSignal): Promise<Page<TwilioService>> {
    const target = url ?? `${this.baseUrl}/v1/Services?PageSize=${MAX_PAGE_SIZE}`;
    return this.#readRecords(await this.#fetchEnvelope(target, 'services', signal), 'services', parseService, {});
  }

  /** Every service of the account, following `next_page_url`. Rejected records are logged by the page fetch. */
  async *listServices(signal?: AbortSignal): AsyncIterable<TwilioService> {
    const seen = new Set<string>();
    let url: string | null = null;
    do {
      const page: Page<TwilioService> = await this.fetchServicesPage(url ?? undefined, signal);
      seen.add(page.url);
      yield* page.items;
      url = page.nextPageUrl;
      if (url !== null && seen.has(url)) {
        throw new TwilioMalformedResponseError({ status: 200, url: page.url, reason: 'next_page_url loops back to an earlier page' });
      }
    } while (url !== null);
  }

  /** The account's webhook configuration: where Twilio sends Conversations events, and which. */
  async fetchWebhookConfig(signal?: AbortSignal): Promise<TwilioWebhookConfig> {
    return this.#send('GET', `${this.baseUrl}/v1/Configuration/Webhooks`, null, signal, parseWith(parseWebhookConfig));
  }

  /**
   * Changes the account's webhook configuration: a form-encoded POST of the given fields only (`Filters` repeated,
   * replacing the list), as Twilio's API takes it; answers the configuration as Twilio then holds it. Never retried
   * here, like every call of this client.
   */
  async updateWebhookConfig(update: WebhookConfigUpdate, signal?: AbortSignal): Promise<TwilioWebhookConfig> {
    const form = new URLSearchParams();
    if (update.postWebhookUrl !== undefined) form.append('PostWebhookUrl', update.postWebhookUrl);
    if (update.preWebhookUrl !== undefined) form.append('PreWebhookUrl', update.preWebhookUrl);
    if (update.method !== undefined) form.append('Method', update.method);
    if (update.target !== undefined) form.append('Target', update.target);
    for (const f of update.filters ?? []) form.append('Filters', f);
    return this.#send('POST', `${this.baseUrl}/v1/Configuration/Webhooks`, form.toString(), signal, parseWith(parseWebhookConfig));
  }

  /** A service's own webhook configuration (which, when set, silences the account's for that service). */
  async fetchServiceWebhookConfig(serviceSid: string, signal?: AbortSignal): Promise<TwilioServiceWebhookConfig> {
    const url = `${this.baseUrl}/v1/Services/${encodeURIComponent(serviceSid)}/Configuration/Webhooks`;
    return this.#send('GET', url, null, signal, parseWith((raw) => parseServiceWebhookConfig(raw, serviceSid)));
  }

  /** Closes the client's own Agent (waiting for requests in flight); a passed-in dispatcher is the caller's to close. */
  async close(): Promise<void> {
    if (this.#ownAgent && !this.#ownAgent.closed) await this.#ownAgent.close();
  }

  toJSON(): object {
    return { baseUrl: this.baseUrl, accountSid: this.accountSid };
  }

  async #fetchEnvelope(url: string, key: string, signal: AbortSignal | undefined, sent?: SentAt): Promise<ListEnvelope & { url: string }> {
    const problem = foreignUrlProblem(url, this.#origin);
    if (problem) {
      // Typically a checkpoint saved against another baseUrl; retrying cannot help, restart from the first page.
      throw new TwilioRequestError({ status: null, url: stripCredentials(url), reason: `page URL ${problem}` });
    }
    return this.#send('GET', url, null, signal, (text: string, fail: Fail) => {
      const parsed = parseListEnvelope(parseJsonOrFail(text, fail), { key, origin: this.#origin, url });
      if (!parsed.ok) fail(parsed.reason);
      const envelope = parsed.value;
      // Followed, stored as the checkpoint and shown in errors: an upstream echoing a credential into it must not.
      if (envelope.nextPageUrl !== null && this.#auth.redactor.containsSecret(envelope.nextPageUrl)) fail('meta.next_page_url carries a credential');
      return { ...envelope, url };
    }, sent);
  }

  #readRecords<T>(envelope: ListEnvelope & { url: string }, key: string, parseRecord: (raw: unknown) => RecordResult<T>, logContext: object): Page<T> {
    const { records, ...rest } = envelope;
    const { items, rejected } = parseListRecords(records, parseRecord);
    if (rejected.length > 0) {
      // Rejected records are the odd ones out (a proxy's echo, a bug upstream): treat their sid like error text.
      for (const r of rejected) if (typeof r.sid === 'string') r.sid = this.#redact(r.sid);
      this.#logRejected(key, envelope.url, rejected, logContext);
    }
    return { ...rest, items, rejected };
  }

  #logRejected(key: string, url: string, rejected: RejectedRecord[], logContext: object): void {
    for (const r of rejected) {
      this.#warn(
        { accountSid: this.accountSid, ...logContext, url, index: r.index, sid: loggableSid(r.sid), reason: this.#redact(r.reason) },
        `Twilio ${key} record rejected: ${this.#redact(r.reason)}`,
      );
    }
  }

  /**
   * One HTTP attempt: lease → request → read the whole body → release → parse → observe.
   * Throws a TwilioError, or the caller's abort reason when `signal` fired. `body`: a form-encoded POST body.
   */
  async #send<T>(method: 'GET' | 'POST', url: string, body: string | null, signal: AbortSignal | undefined, parse: BodyParser<T>, sent?: SentAt): Promise<T> {
    signal?.throwIfAborted();
    const lease: RequestLease | null = this.#limiter ? await this.#limiter.acquire(this.accountSid, signal) : null;
    if (sent) sent.at = Date.now();

    const started = performance.now();
    const attempt = new AbortController();
    const timer = setTimeout(() => attempt.abort(new AttemptTimeout()), this.#timeoutMs);
    const onCallerAbort = () => attempt.abort(signal?.reason);
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (signal?.aborted) onCallerAbort();

    let status: number | null = null;
    let text = '';
    let headers: Record<string, string | string[] | undefined> = {};
    let failure: unknown = null;
    try {
      const res = await request(url, {
        method,
        dispatcher: this.#dispatcher,
        signal: attempt.signal,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        headers: {
          authorization: this.#auth.header,
          accept: 'application/json',
          'user-agent': this.#userAgent,
          ...(body === null ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(body === null ? {} : { body }),
      });
      headers = res.headers;
      try {
        text = await res.body.text();
        status = res.statusCode;
      } catch (e) {
        failure = e;
      }
    } catch (e) {
      failure = e;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
    }

    // The request is over once its body is in: free its slot before spending time on parsing, so the
    // next request (often this crawl's next page, known only from this body) can take it at once.
    this.#release(lease, status === 429 ? 'throttled' : status === null ? 'failed' : 'ok');

    let error: TwilioError | undefined;
    let result: T | undefined;
    if (status === null) {
      if (signal?.aborted) {
        this.#observe({ method, url, status: null, started });
        throw signal.reason;
      }
      error = this.#networkError(url, failure);
    } else if (status < 200 || status >= 300) {
      const body = parseErrorBody(text);
      error = errorForStatus({
        status,
        code: body.code,
        // Redacted before they are cut: a secret straddling the cut would otherwise keep its first characters.
        twilioMessage: body.message === null ? null : this.#redact(body.message).slice(0, ERROR_TEXT_CHARS),
        moreInfo: body.moreInfo === null ? null : this.#redact(body.moreInfo).slice(0, ERROR_TEXT_CHARS),
        url,
        method,
        retryAfterMs: parseRetryAfter(headers['retry-after']),
      });
    } else {
      try {
        result = parse(text, (reason) => {
          throw new TwilioMalformedResponseError({
            status,
            url,
            method,
            // The reason may quote the body (meta.key, a field): upstream text, redacted like the snippet.
            reason: this.#redact(reason),
            bodySnippet: this.#redact(text).slice(0, SNIPPET_CHARS),
          });
        });
      } catch (e) {
        if (!(e instanceof TwilioError)) throw e;
        error = e;
      }
    }

    this.#observe({ method, url, status, started, error });
    if (error) throw error;
    return result as T;
  }

  // A broken limiter or observer must not replace the request's own result.
  #release(lease: RequestLease | null, outcome: 'ok' | 'throttled' | 'failed'): void {
    try {
      lease?.release(outcome);
    } catch (err) {
      this.#warn({ accountSid: this.accountSid, err: String(err) }, 'Twilio request limiter release failed');
    }
  }

  #observe(e: { method: string; url: string; status: number | null; started: number; error?: TwilioError }): void {
    if (!this.#onRequest) return;
    try {
      this.#onRequest({
        accountSid: this.accountSid,
        method: e.method,
        url: e.url,
        status: e.status,
        durationMs: performance.now() - e.started,
        ...(e.error ? { error: e.error } : {}),
      });
    } catch (err) {
      this.#warn({ accountSid: this.accountSid, err: String(err) }, 'Twilio request observer threw');
    }
  }

  #networkError(url: string, failure: unknown): TwilioNetworkError {
    if (failure instanceof AttemptTimeout) {
      return new TwilioNetworkError({ url, reason: `timed out after ${this.#timeoutMs} ms` });
    }
    const f = (failure ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
    const name = typeof f.name === 'string' ? f.name : 'Error';
    const code = typeof f.code === 'string' ? f.code : undefined;
    if (code !== undefined && UNDICI_TIMEOUTS.has(code)) {
      // undici's own timers (a passed-in dispatcher's, or ours racing the deadline) mean the same thing.
      return new TwilioNetworkError({ url, reason: `timed out after ${this.#timeoutMs} ms (${code})` });
    }
    const message = this.#redact(typeof f.message === 'string' ? f.message : String(failure));
    // A copy, not the original: undici errors hold sockets and could one day hold request options.
    const cause = Object.assign(new Error(message), { name, ...(code ? { code } : {}) });
    return new TwilioNetworkError({ url, reason: code ? `${code}: ${message}` : message, cause });
  }

  #redact(text: string): string {
    return this.#auth.redactor.redact(text);
  }

  #warn(obj: object, msg: string): void {
    try {
      this.#logger?.warn(obj, msg);
    } catch {
      // Logging must never fail a crawl.
    }
  }
}

function checkPageSize(pageSize: number | undefined): number {
  if (pageSize === undefined) return MAX_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new RangeError(`PageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`);
  }
  return pageSize;
}

function parseWith<T>(parse: (raw: unknown) => { ok: true; value: T } | { ok: false; reason: string }): BodyParser<T> {
  return (text, fail) => {
    const r = parse(parseJsonOrFail(text, fail));
    return r.ok ? r.value : fail(r.reason);
  };
}

function parseJsonOrFail(text: string, fail: Fail): unknown {
  const r = parseJsonBody(text);
  if (!r.ok) fail(r.reason);
  return r.value;
}

function loggableSid(sid: unknown): unknown {
  if (typeof sid === 'string') return sid.length > 64 ? `${sid.slice(0, 64)}…` : sid;
  if (sid === null || typeof sid === 'number' || typeof sid === 'boolean') return sid;
  return sid === undefined ? null : `<${Array.isArray(sid) ? 'array' : typeof sid}>`;
}

function stripCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.slice(0, SNIPPET_CHARS);
  }
}
