import { TwilioHttpException } from '../twilio/twilio-http.exception';
import type { TwilioAccountWebhookConfig, TwilioServiceWebhookConfig } from '../twilio/twilio.types';

export type WebhookMethod = 'GET' | 'POST';
export type WebhookTarget = 'webhook' | 'flex';

/** Webhook settings of an account (global) or of one service; `target` only means something on the account. */
export interface WebhookConfig {
  preWebhookUrl: string | null;
  postWebhookUrl: string | null;
  method: WebhookMethod;
  filters: string[];
  target: WebhookTarget;
}

/** A change, as the form parameters of the Twilio POST give it (absent = unchanged, '' or null = cleared). */
export interface WebhookConfigInput {
  preWebhookUrl?: string | null;
  postWebhookUrl?: string | null;
  method?: string;
  filters?: readonly string[];
  target?: string;
}

/** What an account or service answers before anything was configured. */
export function defaultWebhookConfig(): WebhookConfig {
  return { preWebhookUrl: null, postWebhookUrl: null, method: 'POST', filters: [], target: 'webhook' };
}

/**
 * Applies a change, checking it as Twilio's API would (400/20001). Filter names are kept as given: the spec's
 * own example answers a name outside its documented list (`onMessageSend`), so Twilio does not reject them.
 */
export function appliedWebhookConfig(current: WebhookConfig, input: WebhookConfigInput): WebhookConfig {
  const next = { ...current, filters: [...current.filters] };
  if (input.preWebhookUrl !== undefined) next.preWebhookUrl = webhookUrl('PreWebhookUrl', input.preWebhookUrl);
  if (input.postWebhookUrl !== undefined) next.postWebhookUrl = webhookUrl('PostWebhookUrl', input.postWebhookUrl);
  if (input.method !== undefined) {
    const method = typeof input.method === 'string' ? input.method.toUpperCase() : '';
    if (method !== 'GET' && method !== 'POST') throw TwilioHttpException.badRequest('Method must be GET or POST');
    next.method = method;
  }
  if (input.target !== undefined) {
    if (input.target !== 'webhook' && input.target !== 'flex') throw TwilioHttpException.badRequest('Target must be webhook or flex');
    next.target = input.target;
  }
  if (input.filters !== undefined) {
    if (!Array.isArray(input.filters) || input.filters.some((f) => typeof f !== 'string')) {
      throw TwilioHttpException.badRequest('Filters must be a list of event names');
    }
    next.filters = [...new Set(input.filters.map((f) => f.trim()).filter((f) => f !== ''))];
  }
  return next;
}

/** Reads the Twilio form body (`Filters` repeated); unknown parameters are ignored, as Twilio does. */
export function webhookConfigForm(body: unknown, withTarget: boolean): WebhookConfigInput {
  const form = (typeof body === 'object' && body !== null ? body : {}) as Record<string, string | string[] | undefined>;
  const single = (name: string): string | undefined => {
    const value = form[name];
    return Array.isArray(value) ? value[value.length - 1] : value;
  };
  const filters = form.Filters;
  return {
    preWebhookUrl: single('PreWebhookUrl'),
    postWebhookUrl: single('PostWebhookUrl'),
    method: single('Method'),
    filters: filters === undefined ? undefined : Array.isArray(filters) ? filters : [filters],
    target: withTarget ? single('Target') : undefined,
  };
}

export function accountWebhookJson(accountSid: string, config: WebhookConfig, origin: string): TwilioAccountWebhookConfig {
  return {
    account_sid: accountSid,
    method: config.method,
    filters: [...config.filters],
    pre_webhook_url: config.preWebhookUrl,
    post_webhook_url: config.postWebhookUrl,
    target: config.target,
    url: `${origin}/v1/Configuration/Webhooks`,
  };
}

export function serviceWebhookJson(
  accountSid: string,
  serviceSid: string,
  config: WebhookConfig,
  origin: string,
): TwilioServiceWebhookConfig {
  return {
    account_sid: accountSid,
    chat_service_sid: serviceSid,
    pre_webhook_url: config.preWebhookUrl,
    post_webhook_url: config.postWebhookUrl,
    filters: [...config.filters],
    method: config.method,
    url: `${origin}/v1/Services/${serviceSid}/Configuration/Webhooks`,
  };
}

/** An absolute http(s) URL; '' or null clears it. */
function webhookUrl(name: string, value: unknown): string | null {
  if (value === null || value === '') return null;
  let url: URL | null = null;
  try {
    url = typeof value === 'string' ? new URL(value) : null;
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw TwilioHttpException.badRequest(`${name} must be an absolute http or https URL`);
  }
  return value as string;
}
