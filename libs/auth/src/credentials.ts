import { isAccountSid, isApiKeySid } from '@app/twilio';

// Longer than any token anyone configures; refusing early keeps a huge header from being hashed.
const MAX_CREDENTIAL_LENGTH = 4096;

/** The token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header || header.length > MAX_CREDENTIAL_LENGTH) return null;
  const m = /^Bearer +([^\s]+) *$/i.exec(header);
  return m ? m[1] : null;
}

/** HTTP Basic credentials whose user name is an account sid or an API key sid, as the twilio SDK sends them. */
export interface TwilioBasicCredentials {
  /** `AC…` (account sid and token) or `SK…` (API key sid and token). */
  user: string;
  password: string;
}

/** `Authorization: Basic base64(ACsid:token)` or `base64(SKsid:token)`, or null for anything else. */
export function basicTwilioCredentials(header: string | undefined): TwilioBasicCredentials | null {
  if (!header || header.length > MAX_CREDENTIAL_LENGTH) return null;
  const m = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (!(isAccountSid(user) || isApiKeySid(user)) || password.length === 0) return null;
  return { user, password };
}

/** The password of `Authorization: Basic base64(ACsid:token)`, or null. */
export function basicTwilioToken(header: string | undefined): string | null {
  const c = basicTwilioCredentials(header);
  return c && isAccountSid(c.user) ? c.password : null;
}
