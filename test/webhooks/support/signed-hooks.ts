import twilio from 'twilio';
import { request } from 'undici';

export interface HookAnswer {
  status: number;
  outcome: string;
  body: string;
  ms: number;
}

/**
 * Sends a user webhook the way Twilio does, signed over `signedUrl` (the public URL Twilio calls) with `token`,
 * to `sendTo` (the mirror's own address, as a proxy would forward it). `signature: null` sends none.
 */
export async function sendHook(
  sendTo: string,
  signedUrl: string,
  token: string,
  params: Record<string, string>,
  opts: { method?: 'GET' | 'POST'; signature?: string | null } = {},
): Promise<HookAnswer> {
  const method = opts.method ?? 'POST';
  const form = new URLSearchParams(params).toString();
  const target = method === 'GET' ? `${sendTo}${sendTo.includes('?') ? '&' : '?'}${form}` : sendTo;
  const signed = method === 'GET' ? `${signedUrl}${signedUrl.includes('?') ? '&' : '?'}${form}` : signedUrl;
  const signature = opts.signature === undefined ? twilio.getExpectedTwilioSignature(token, signed, method === 'GET' ? {} : params) : opts.signature;
  const started = Date.now();
  const r = await request(target, {
    method,
    headers: { ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...(signature === null ? {} : { 'x-twilio-signature': signature }) },
    body: method === 'POST' ? form : undefined,
  });
  const body = await r.body.text();
  return { status: r.statusCode, outcome: String(r.headers['x-webhook-outcome'] ?? ''), body, ms: Date.now() - started };
}

/** A user post-event's parameters, as the simulator sends them (only the ones the mirror relies on matter). */
export function userEvent(eventType: 'onUserAdded' | 'onUserUpdated', accountSid: string, serviceSid: string, userSid: string, extra: Record<string, string> = {}): Record<string, string> {
  return { EventType: eventType, AccountSid: accountSid, ChatServiceSid: serviceSid, Source: 'API', UserSid: userSid, ...extra };
}
