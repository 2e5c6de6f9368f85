/*
 * Typed failures of one HTTP attempt against Twilio. `retryable` tells the worker whether the same request may
 * succeed later; the client itself never retries (backoff policy lives in the worker).
 *
 * Nothing here may carry a secret: `url` is credential-free, no request headers are kept, network causes are
 * copied into plain errors by the client, and Twilio-supplied text is redacted before it gets here.
 */

export interface TwilioErrorInit {
  status: number | null;
  code?: number | null;
  moreInfo?: string | null;
  /** Twilio's `message`, already redacted. */
  twilioMessage?: string | null;
  /** Credential-free URL of the attempt. */
  url: string;
  method?: string;
  cause?: unknown;
}

export class TwilioError extends Error {
  readonly status: number | null;
  /** Twilio's error code (e.g. 20003, 20404, 20429), when the body carried one. */
  readonly code: number | null;
  readonly moreInfo: string | null;
  /** Twilio's free-text `message` (redacted), kept apart so a stored error can do without it. */
  readonly twilioMessage: string | null;
  readonly retryable: boolean;
  readonly url: string;
  readonly method: string;

  constructor(message: string, init: TwilioErrorInit, retryable: boolean) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'TwilioError';
    this.status = init.status;
    this.code = init.code ?? null;
    this.moreInfo = init.moreInfo ?? null;
    this.twilioMessage = init.twilioMessage ?? null;
    this.retryable = retryable;
    this.url = init.url;
    this.method = init.method ?? 'GET';
  }

  /** Errors stringify to nothing by default; loggers and job stores need the fields. */
  toJSON(): Record<string, unknown> {
    return { ...(this as object), name: this.name, message: this.message };
  }
}

function describe(status: number, code: number | null | undefined, twilioMessage: string | null, method: string, url: string) {
  const c = code == null ? '' : ` (code ${code})`;
  const m = twilioMessage ? `: ${twilioMessage}` : '';
  return `Twilio answered ${status}${c} to ${method} ${url}${m}`;
}

export interface TwilioHttpErrorInit extends TwilioErrorInit {
  status: number;
}

/** 429: the request was never processed; always safe to retry. */
export class TwilioRateLimitError extends TwilioError {
  /** From `Retry-After` (seconds or HTTP-date); Twilio usually omits it, then the worker picks a backoff. */
  readonly retryAfterMs: number | null;

  constructor(init: TwilioHttpErrorInit & { retryAfterMs: number | null }) {
    super(describe(init.status, init.code, init.twilioMessage ?? null, init.method ?? 'GET', init.url), init, true);
    this.name = 'TwilioRateLimitError';
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** 5xx. */
export class TwilioServerError extends TwilioError {
  constructor(init: TwilioHttpErrorInit) {
    super(describe(init.status, init.code, init.twilioMessage ?? null, init.method ?? 'GET', init.url), init, true);
    this.name = 'TwilioServerError';
  }
}

/** 401/403: bad or revoked credentials, or no access. Retrying only hammers Twilio. */
export class TwilioAuthError extends TwilioError {
  constructor(init: TwilioHttpErrorInit) {
    super(describe(init.status, init.code, init.twilioMessage ?? null, init.method ?? 'GET', init.url), init, false);
    this.name = 'TwilioAuthError';
  }
}

/** 404: the service or user is gone (or the identity never existed). */
export class TwilioNotFoundError extends TwilioError {
  constructor(init: TwilioHttpErrorInit) {
    super(describe(init.status, init.code, init.twilioMessage ?? null, init.method ?? 'GET', init.url), init, false);
    this.name = 'TwilioNotFoundError';
  }
}

/**
 * Any other non-2xx answer (4xx, unexpected 3xx), or a request the client refuses to send
 * (status null, e.g. a page URL on another origin handed in by the caller).
 */
export class TwilioRequestError extends TwilioError {
  constructor(init: Omit<TwilioHttpErrorInit, 'status'> & { status: number | null; reason?: string }) {
    super(
      init.status === null
        ? `Refused to send ${init.method ?? 'GET'} ${init.url}: ${init.reason ?? 'invalid request'}`
        : describe(init.status, init.code, init.twilioMessage ?? null, init.method ?? 'GET', init.url),
      init,
      false,
    );
    this.name = 'TwilioRequestError';
  }
}

/** No HTTP answer: timeout, connection reset/refused, DNS failure. `cause` is a sanitized copy of the low-level error. */
export class TwilioNetworkError extends TwilioError {
  readonly reason: string;

  constructor(init: Omit<TwilioErrorInit, 'status'> & { reason: string }) {
    super(`Twilio request ${init.method ?? 'GET'} ${init.url} failed: ${init.reason}`, { ...init, status: null }, true);
    this.name = 'TwilioNetworkError';
    this.reason = init.reason;
  }
}

/** A 2xx whose body is truncated, not JSON, or not the expected shape. A retry usually gets a good body. */
export class TwilioMalformedResponseError extends TwilioError {
  readonly reason: string;
  /** First ~200 characters of the body (redacted); never headers. */
  readonly bodySnippet: string | null;

  constructor(init: TwilioErrorInit & { reason: string; bodySnippet?: string | null }) {
    const snippet = init.bodySnippet ?? null;
    super(
      `Malformed Twilio response to ${init.method ?? 'GET'} ${init.url}: ${init.reason}` +
        (snippet === null ? '' : `; body starts ${JSON.stringify(snippet)}`),
      init,
      true,
    );
    this.name = 'TwilioMalformedResponseError';
    this.reason = init.reason;
    this.bodySnippet = snippet;
  }
}

/** Maps a non-2xx HTTP answer to its typed error. */
export function errorForStatus(init: TwilioHttpErrorInit & { retryAfterMs: number | null }): TwilioError {
  const { status } = init;
  if (status === 429) return new TwilioRateLimitError(init);
  if (status >= 500) return new TwilioServerError(init);
  if (status === 401 || status === 403) return new TwilioAuthError(init);
  if (status === 404) return new TwilioNotFoundError(init);
  return new TwilioRequestError(init);
}
