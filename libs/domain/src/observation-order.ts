import type { IncomingUser } from './incoming-user';
import type { StoredUser } from './user-diff';

/**
 * Whether an observation of a user is older than the state the mirror holds, and must not be written back over
 * it: the mirror never goes backwards, whichever of a crawl page and a webhook's fetch reaches the writer first.
 *
 * - A live user: Twilio's `date_updated` decides when the two differ. It has a one-second precision, so two
 *   states of the same second (a user changed twice in a second, one copy read by a crawl page, the other by a
 *   webhook's fetch) are ordered by when their requests were sent (`readAt`, epoch ms; the stored one is
 *   `observedAt`): the later request read the later state. Without either time, the observation is written, as
 *   before this rule existed.
 * - A tombstone: the deletion was confirmed by a 20404 to a request sent at `observedAt`. A record read by a
 *   request sent before it is the user as it was before the deletion; one sent after it says the user exists.
 *
 * Request times are the workers' clocks: across hosts they are as close as NTP keeps them, which only matters
 * for two reads of the same user in the same second.
 */
export function isStaleObservation(incoming: IncomingUser, readAt: number | null, stored: StoredUser): boolean {
  if (!stored.deleted) {
    const was = dateMs(stored.user?.date_updated ?? null);
    const now = dateMs(incoming.user.date_updated);
    if (was !== null && now !== null && was !== now) return now < was;
  }
  return readAt !== null && stored.observedAt !== null && readAt < stored.observedAt;
}

function dateMs(value: string | null): number | null {
  if (value === null) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}
