import { createHash } from 'node:crypto';
import { bearerToken } from '@app/auth';

/**
 * A key for the request's read-API token, for the per-token caps: a digest, never the token, so neither a log line
 * nor a heap dump of the feed's bookkeeping carries it. The guard has already accepted the request; the token is
 * read as the guard reads it (bearerToken), so spelling the header differently does not make a second key. No
 * token (a test app without the guard): one shared key.
 */
export function subscriberKey(authorization: string | undefined): string {
  const token = bearerToken(authorization);
  return token === null ? 'no-token' : createHash('sha256').update(token, 'utf8').digest('base64url').slice(0, 22);
}
