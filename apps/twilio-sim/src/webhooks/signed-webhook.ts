import type { OutgoingWebhook } from './outgoing-webhook';
import type { WebhookParams } from './user-webhook-params';
import type { WebhookTargetUrl } from './webhook-config.service';
import { SIGNATURE_HEADER, twilioSignature } from './webhook-signature';

export interface SignedWebhookInput {
  accountSid: string;
  authToken: string;
  eventType: string;
  target: WebhookTargetUrl;
  params: WebhookParams;
  /** The same on every copy of one event, as on Twilio's retries: what a receiver deduplicates on. */
  idempotencyToken: string;
}

/** The request Twilio would make: a form POST to the URL, or a GET with the parameters appended to its query. */
export function signedWebhook(input: SignedWebhookInput): OutgoingWebhook {
  const { accountSid, authToken, eventType, target, params } = input;
  const form = new URLSearchParams(params as Array<[string, string]>).toString();
  const isGet = target.method === 'GET';
  const url = isGet ? `${target.url}${target.url.includes('?') ? '&' : '?'}${form}` : target.url;
  const headers: Record<string, string> = {
    [SIGNATURE_HEADER]: twilioSignature(authToken, url, isGet ? [] : params),
    'I-Twilio-Idempotency-Token': input.idempotencyToken,
    'User-Agent': 'TwilioProxy/1.1',
  };
  if (!isGet) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  return { accountSid, eventType, method: target.method, url, headers, body: isGet ? null : form };
}
