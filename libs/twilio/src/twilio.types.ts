import type { Dispatcher } from 'undici';
import type { TwilioError } from './twilio.errors';

import type { TwilioUser } from '@app/domain';

export type { TwilioUser };

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

/** A user read by a point fetch, with when its request went out (after any wait for the budget). */
export interface ReadUser {
  user: TwilioUser;
  /** Epoch ms just before the request was sent: what the mirror orders observations of one user by. */
  requestedAt: number;
}

/** The account's webhook configuration (/v1/Configuration/Webhooks): where Twilio sends its Conversations events. */
export interface TwilioWebhookConfig {
  accountSid: string | null;
  /** GET or POST: how Twilio calls both URLs. */
  method: string | null;
  preWebhookUrl: string | null;
  postWebhookUrl: string | null;
  /** The events that are sent (onUserAdded, onUserUpdated, onMessageAdded, …). */
  filters: string[];
  /** `webhook` (the URLs) or `flex`. */
  target: string | null;
}

/** A service's own webhook configuration: when set, it overrides the account's for that service. */
export interface TwilioServiceWebhookConfig extends Omit<TwilioWebhookConfig, 'target'> {
  chatServiceSid: string;
}

/** A change to the account's webhook configuration: only the given fields are sent (Twilio leaves the others). */
export interface WebhookConfigUpdate {
  postWebhookUrl?: string;
  preWebhookUrl?: string;
  method?: 'GET' | 'POST';
  /** The whole new list (Twilio replaces it): sent as `Filters` repeated. */
  filters?: string[];
  target?: 'webhook' | 'flex';
}

/** A users page whose envelope is checked (its next URL is known) and whose records are not yet: see TwilioClient.readUsers. */
export interface UsersEnvelope {
  url: string;
  serviceSid: string;
  nextPageUrl: string | null;
  page: number | null;
  pageSize: number | null;
  records: unknown[];
  /** Epoch ms just before the request was sent (after any wait for the budget). */
  requestedAt: number;
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
