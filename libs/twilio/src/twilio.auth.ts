import type { TwilioAuth } from './twilio.types';

export interface AuthMaterial {
  accountSid: string;
  /** Value of the Authorization header. */
  header: string;
  /** Every string whose appearance in a message would leak the credentials (the secret and its encodings). */
  secrets: string[];
}

/**
 * HTTP Basic as Twilio expects: `AccountSid:AuthToken`, or `SKxxx:secret` for an API key (the account sid still
 * scopes the limiter and the URLs, it just isn't the username).
 */
export function authMaterial(auth: TwilioAuth): AuthMaterial {
  const [user, secret] = auth.kind === 'token' ? [auth.accountSid, auth.authToken] : [auth.apiKeySid, auth.apiKeySecret];
  if (!auth.accountSid) throw new TypeError('Twilio auth: accountSid is required');
  if (!user || !secret) throw new TypeError(`Twilio auth (${auth.kind}): username and secret are required`);
  const encoded = Buffer.from(`${user}:${secret}`, 'utf8').toString('base64');
  return {
    accountSid: auth.accountSid,
    header: `Basic ${encoded}`,
    secrets: [encoded, secret, encodeURIComponent(secret)].filter((s, i, all) => s.length >= 4 && all.indexOf(s) === i),
  };
}

/** Replaces any credential material in text that came from the wire or a low-level error before it is kept. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  return out;
}
