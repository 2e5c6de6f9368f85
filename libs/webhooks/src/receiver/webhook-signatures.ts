import { APP_CONFIG, AppConfig, webhookAuthToken } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';
// The official package's check, imported alone (it needs only node:crypto): the same code Twilio's own SDK
// users run, with its handling of ports and re-encoded URLs, and a constant-time comparison.
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import type { WebhookParams } from './webhook-request';

export type SignatureCheck = 'valid' | 'invalid' | 'missing' | 'unknown-account';

/**
 * X-Twilio-Signature: HMAC-SHA1 of the URL Twilio called followed by the POST parameters sorted by name, keyed with
 * the account's auth token. The tokens live only in a private field of this object.
 */
@Injectable()
export class WebhookSignatures {
  readonly #tokens = new Map<string, string>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    for (const auth of config.twilio.accounts) {
      const token = webhookAuthToken(auth);
      if (token) this.#tokens.set(auth.accountSid, token);
    }
  }

  /** `params`: a POST's form parameters; none for a GET, whose parameters are part of the signed URL. */
  check(accountSid: string, signature: string | undefined, url: string, params: WebhookParams): SignatureCheck {
    const token = this.#tokens.get(accountSid);
    if (token === undefined) return 'unknown-account';
    if (!signature) return 'missing';
    return validateRequest(token, signature, url, params) ? 'valid' : 'invalid';
  }

  toJSON(): object {
    return { accounts: [...this.#tokens.keys()] };
  }
}
