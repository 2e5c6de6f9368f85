import { isAccountSid, isApiKeySid } from '@app/twilio';

// Longer than any token anyone configures; refusing early keeps a huge header from being hashed.
const MAX_CREDENTIAL_LENGTH = 4096;

/** The token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header || header.length > MAX_CREDENTIAL_LENGTH) return null;
  const m = /^Bearer +([^\s]+) *$/i.exec(header);
  return m ? m[1] : null;
}

/** The user name and password of `Authorization: Basic base64(user:password)`, or null. */
function basicPair(header: string | undefined): { user: string; password: string } | null {
  if (!header || header.length > MAX_CREDENTIAL_LENGTH) return null;
  const m = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The password of HTTP Basic whatever the user name, as a browser sends what a person typed; or null. */
export function basicPassword(header: string | undefined): string | null {
  const pair = basicPair(header);
  return pair && pair.password.length > 0 ? pair.password : null;
}

/** HTTP Basic credentials whose user name is an account sid or an API key sid, as the twilio SDK sends them. */
export interface TwilioBasicCredentials {
  /** `AC…` (account sid and token) or `SK…` (API key sid and token). */
  user: string;
  password: string;
}

/** `Authorization: Basic base64(ACsid:token)` or `base64(SKsid:token)`, or null for anything else. */
export function basicTwilioCredentials(header: string | undefined): TwilioBasicCredentials | null {
  const pair = basicPair(header);
  if (!pair || !(isAccountSid(pair.user) || isApiKeySid(pair.user)) || pair.password.length === 0) return null;
  return pair;
}

/** The password of `Authorization: Basic base64(ACsid:token)`, or null. */
export function basicTwilioToken(header: string | undefined): string | null {
  const c = basicTwilioCredentials(header);
  return c && isAccountSid(c.user) ? c.password : null;
}
