import { isAccountSid, isServiceSid, isUserSid } from '@app/twilio';

/** A webhook request as the receiver needs it: the raw bytes the signature covers, nothing Express re-parsed. */
export interface IncomingWebhook {
  method: 'GET' | 'POST';
  /** The query string as received, without its '?'. */
  rawQuery: string;
  /** A POST's form-encoded body as received; '' for a GET. */
  rawBody: string;
  /** X-Twilio-Signature. */
  signature: string | undefined;
}

/** Form parameters by name; a repeated name keeps every value, in order (the signature covers them all). */
export type WebhookParams = Record<string, string | string[]>;

export function formParams(text: string): WebhookParams {
  const params: WebhookParams = {};
  for (const [name, value] of new URLSearchParams(text)) {
    const had = params[name];
    params[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return params;
}

/** A parameter given once (a repeated one is ambiguous: as good as absent). */
export function single(params: WebhookParams, name: string): string | undefined {
  const v = params[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The URL Twilio signed. It called WEBHOOK_PUBLIC_URL, which a proxy in front of the mirror may have turned into
 * another scheme, host, port or path, so the request's own URL cannot be trusted for this. A POST is signed over
 * the configured URL as it is; a GET's parameters are appended to its query, so the query is taken as received.
 */
export function signedUrl(publicUrl: string, req: Pick<IncomingWebhook, 'method' | 'rawQuery'>): string {
  if (req.method === 'POST') return publicUrl;
  const q = publicUrl.indexOf('?');
  const base = q < 0 ? publicUrl : publicUrl.slice(0, q);
  return req.rawQuery ? `${base}?${req.rawQuery}` : base;
}

/** The post-events that say a user was created or changed; Twilio has no user-deleted event. */
export const USER_POST_EVENTS: readonly string[] = ['onUserAdded', 'onUserUpdated'];

export type UserHintRead =
  | { kind: 'hint'; eventType: string; accountSid: string; serviceSid: string; user: string }
  | { kind: 'ignored'; reason: string; eventType: string | null; serviceSid: string | null };

/**
 * What a signed hook says, read as a hint only: which user of which service. Nothing else of the payload is relied
 * on (Twilio does not document the user fields reliably); the point fetch reads the user's state.
 */
export function readUserHint(params: WebhookParams, accountSid: string): UserHintRead {
  const eventType = single(params, 'EventType') ?? null;
  const serviceSid = single(params, 'ChatServiceSid') ?? null;
  const ignored = (reason: string): UserHintRead => ({ kind: 'ignored', reason, eventType, serviceSid });
  if (eventType === null || !USER_POST_EVENTS.includes(eventType)) return ignored(`not a user post-event (${eventType ?? 'no EventType'})`);
  if (!isAccountSid(accountSid)) return ignored('AccountSid is not an account sid');
  if (serviceSid === null || !isServiceSid(serviceSid)) return ignored('ChatServiceSid is missing or not a service sid');
  const userSid = single(params, 'UserSid');
  if (userSid !== undefined && isUserSid(userSid)) return { kind: 'hint', eventType, accountSid, serviceSid, user: userSid };
  const identity = single(params, 'Identity');
  // "." and ".." cannot be put in a URL path (see TwilioClient.readUser); a user with such an identity waits for the crawl.
  if (identity !== undefined && identity !== '' && identity !== '.' && identity !== '..' && identity.length <= 1024) {
    return { kind: 'hint', eventType, accountSid, serviceSid, user: identity };
  }
  return ignored('names no user (no UserSid nor Identity)');
}
