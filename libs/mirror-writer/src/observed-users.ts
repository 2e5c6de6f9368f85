import { sourceHash, toIncomingUser, type IncomingUser, type TwilioUser } from '@app/domain';
import type { ObservedUser } from './observation';

/**
 * Keys records for the writer: each sid once (the last occurrence wins: one statement cannot upsert a row twice).
 * `readAt`: when the request that read them was sent (epoch ms; see ObservedUser.readAt).
 * `prepare`: also map each user as it would be written, when it will likely be written (the crawl does this while
 * the page before is still being written, to take that work off the write's path).
 */
export function observeUsers(records: TwilioUser[], serviceSid: string, opts: { prepare?: boolean; readAt?: number } = {}): ObservedUser[] {
  const bySid = new Map<string, ObservedUser>();
  const readAt = opts.readAt ?? null;
  for (const record of records) {
    const presence = record.is_online !== null || record.is_notifiable !== null;
    const user: ObservedUser = { sid: record.sid, sourceHash: sourceHash(record, serviceSid), presence, record, readAt };
    if (opts.prepare) user.prepared = prepareUser(user, serviceSid);
    bySid.set(record.sid, user);
  }
  return [...bySid.values()];
}

/** The user as it would be written, or why it cannot be. */
export function prepareUser(u: ObservedUser, serviceSid: string): IncomingUser | Error {
  if (u.prepared) return u.prepared;
  try {
    return toIncomingUser(u.record, serviceSid, u.sourceHash);
  } catch (e) {
    return e as Error;
  }
}
