import { createHash } from 'node:crypto';

/**
 * A key for the request's read-API token, for the per-token caps: a digest, never the token, so neither a log line
 * nor a heap dump of the feed's bookkeeping carries it. The global guard has already accepted the request;
 * the token is read the way it reads a Bearer header (scheme case-insensitive, spaces around), so spelling the
 * header differently does not make a second key. No token (a test app without the guard): one shared key.
 */
export function subscriberKey(authorization: string | undefined): string {
  const m = authorization && authorization.length <= 4096 ? /^Bearer +([^\s]+) *$/i.exec(authorization) : null;
  return m ? createHash('sha256').update(m[1], 'utf8').digest('base64url').slice(0, 22) : 'no-token';
}
