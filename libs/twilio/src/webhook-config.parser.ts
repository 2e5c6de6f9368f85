import { BAD, isPlainObject, nullableSid, nullableString } from './record.checks';
import { isAccountSid, isServiceSid } from './twilio.sids';
import type { TwilioServiceWebhookConfig, TwilioWebhookConfig } from './twilio.types';
import type { ShapeResult } from './list-page.parser';

/** The account's /v1/Configuration/Webhooks resource. Unknown fields are ignored; a missing list is empty. */
export function parseWebhookConfig(raw: unknown): ShapeResult<TwilioWebhookConfig> {
  if (!isPlainObject(raw)) return { ok: false, reason: 'body is not a JSON object' };
  const common = commonFields(raw);
  if (!common.ok) return common;
  const target = raw.target ?? null;
  if (target !== null && typeof target !== 'string') return { ok: false, reason: 'target is not a string' };
  return { ok: true, value: { ...common.value, target } };
}

/** One service's /v1/Services/{IS}/Configuration/Webhooks resource. */
export function parseServiceWebhookConfig(raw: unknown, serviceSid: string): ShapeResult<TwilioServiceWebhookConfig> {
  if (!isPlainObject(raw)) return { ok: false, reason: 'body is not a JSON object' };
  const common = commonFields(raw);
  if (!common.ok) return common;
  const chatServiceSid = nullableSid(raw.chat_service_sid, isServiceSid);
  if (chatServiceSid === BAD) return { ok: false, reason: 'chat_service_sid is not a service sid' };
  if (chatServiceSid !== null && chatServiceSid !== serviceSid) return { ok: false, reason: 'answered for another service' };
  return { ok: true, value: { ...common.value, chatServiceSid: serviceSid } };
}

function commonFields(raw: Record<string, unknown>): ShapeResult<Omit<TwilioWebhookConfig, 'target'>> {
  const accountSid = nullableSid(raw.account_sid, isAccountSid);
  if (accountSid === BAD) return { ok: false, reason: 'account_sid is not an account sid' };
  const method = nullableString(raw.method);
  if (method === BAD) return { ok: false, reason: 'method is not a string' };
  const preWebhookUrl = nullableString(raw.pre_webhook_url);
  if (preWebhookUrl === BAD) return { ok: false, reason: 'pre_webhook_url is not a string' };
  const postWebhookUrl = nullableString(raw.post_webhook_url);
  if (postWebhookUrl === BAD) return { ok: false, reason: 'post_webhook_url is not a string' };
  const filters = raw.filters ?? [];
  if (!Array.isArray(filters) || filters.some((f) => typeof f !== 'string')) return { ok: false, reason: 'filters is not a list of strings' };
  return {
    ok: true,
    value: {
      accountSid,
      method,
      // Twilio answers an unset URL as null; an empty string means the same.
      preWebhookUrl: preWebhookUrl || null,
      postWebhookUrl: postWebhookUrl || null,
      filters: filters as string[],
    },
  };
}
