import type { Dispatcher } from 'undici';
import type { TwilioError } from './twilio.errors';

export type { TwilioUser } from '@app/domain';

export type TwilioAuth =
  | { kind: 'token'; accountSid: string; authToken: string }
  | { kind: 'apiKey'; accountSid: string; apiKeySid: string; apiKeySecret: string };

export interface TwilioService {
  sid: string;
  account_sid: string | null;
  friendly_name: string | null;
  date_created: string | null;
  date_updated: string | null;
  url: string | null;
  links: Record<string, string> | null;
}

/** A record of a list page that failed validation; kept so the caller can count and report it. */
export interface RejectedRecord {
  index: number;
  sid: unknown;
  reason: string;
}

export interface Page<T> {
  items: T[];
  rejected: RejectedRecord[];
  /** The URL that was fetched (credential-free). */
  url: string;
  /** `meta.next_page_url` verbatim, or null on the last page. Already checked to be on the client's origin. */
  nextPageUrl: string | null;
  page: number | null;
  pageSize: number | null;
}

/** A users page whose envelope is checked (its next URL is known) and whose records are not yet: see TwilioClient.readUsers. */
export interface UsersEnvelope {
  url: string;
  serviceSid: string;
  nextPageUrl: string | null;
  page: number | null;
  pageSize: number | null;
  records: unknown[];
}

export interface RequestLease {
  release(outcome: 'ok' | 'throttled' | 'failed'): void;
}

/** Shared per-account concurrency budget (e.g. Redis-backed); the client takes one lease per HTTP attempt. */
export interface RequestLimiter {
  acquire(accountSid: string, signal?: AbortSignal): Promise<RequestLease>;
}

export interface RequestObserver {
  (e: {
    accountSid: string;
    method: string;
    url: string;
    status: number | null;
    durationMs: number;
    error?: TwilioError;
  }): void;
}

export interface TwilioLogger {
  warn(obj: object, msg: string): void;
}

export interface TwilioClientOptions {
  /** e.g. https://conversations.twilio.com or http://127.0.0.1:4010 */
  baseUrl: string;
  auth: TwilioAuth;
  /** Deadline of one HTTP attempt, connect to last body byte. Default 30000. */
  timeoutMs?: number;
  /** Connections per origin of the client's own Agent. Default 16. */
  connections?: number;
  limiter?: RequestLimiter;
  onRequest?: RequestObserver;
  logger?: TwilioLogger;
  /** When given, used instead of the client's own Agent (and not closed by `close()`). */
  dispatcher?: Dispatcher;
  userAgent?: string;
  /**
   * Whether list pages check that each `attributes` parses as JSON (default true). A caller that checks it
   * itself when it stores a user (the mirror) turns this off, so an unchanged user's attributes are not parsed.
   */
  checkAttributesJson?: boolean;
}
