import { SecretRedactor } from '@app/redaction';
import type { TwilioAuth } from './twilio.types';

export interface AuthMaterial {
  accountSid: string;
  /** Value of the Authorization header. */
  header: string;
  /** Redacts the secret in any form (cut, re-cased, URL-encoded, base64 alone or as the Basic pair). */
  redactor: SecretRedactor;
}

/**
 * HTTP Basic as Twilio expects: `AccountSid:AuthToken`, or `SKxxx:secret` for an API key (the account sid still
 * scopes the limiter and the URLs, it just isn't the username).
 */
export function authMaterial(auth: TwilioAuth): AuthMaterial {
  const [user, secret] = auth.kind === 'token' ? [auth.accountSid, auth.authToken] : [auth.apiKeySid, auth.apiKeySecret];
  if (!auth.accountSid) throw new TypeError('Twilio auth: accountSid is required');
  if (!user || !secret) throw new TypeError(`Twilio auth (${auth.kind}): username and secret are required`);
  return {
    accountSid: auth.accountSid,
    header: `Basic ${Buffer.from(`${user}:${secret}`, 'utf8').toString('base64')}`,
    redactor: new SecretRedactor([{ value: secret, users: [user] }]),
  };
}
