import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Twilio-Signature';

/**
 * Twilio's webhook signature (docs: Webhooks Security): HMAC-SHA1 keyed with the account's auth token over the
 * full URL followed by every POST parameter, sorted by name, as name then value; base64. A GET signs its full
 * URL, query included, and no parameters. This is exactly what the `twilio` package's validateRequest checks.
 */
export function twilioSignature(authToken: string, url: string, params: ReadonlyArray<readonly [string, string]>): string {
  const sorted = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let data = url;
  for (const [name, value] of sorted) data += name + value;
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}
