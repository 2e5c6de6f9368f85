import stableStringify from 'safe-stable-stringify';
import type { IncomingUser } from './incoming-user';
import { mayLosePrecision } from './json-precision';
import { MIRROR_USER_FIELDS, MirrorUser, MirrorUserField } from './mirror-user';
import type { UserChange } from './user-change';

export interface StoredUser {
  /** Stored with the incoming source hash, live, no presence news: unchanged, and not loaded further. */
  sameAtSource: boolean;
  /** The whole stored user, loaded whenever sameAtSource is false (see loadForDiffSql). */
  user: MirrorUser | null;
  /** Its attributes as Postgres prints the stored jsonb: exact, unlike the parsed value in `user`. */
  attributesText: string | null;
  /** Stored before source hashes existed (migration CheapRecrawl): no hash to compare with yet. */
  unhashed: boolean;
  deleted: boolean;
  isOnline: boolean | null;
  isNotifiable: boolean | null;
  /** When the request that read the stored state (or confirmed its deletion) was sent, epoch ms; null before it was kept. */
  observedAt: number | null;
}

export interface PageDiff {
  /** Rows to upsert: created or changed users only. */
  writes: IncomingUser[];
  changes: UserChange[];
  unchanged: number;
  /** Unchanged users stored without a source hash: given one, so the next crawl settles them by it. */
  hashOnly: IncomingUser[];
  /**
   * Users found unchanged whose attributes are equal only as JavaScript numbers can tell (see
   * mayLosePrecision): Postgres must compare them (jsonb) before the diff is final.
   */
  recheck: IncomingUser[];
}

/**
 * Classifies the users of a page that the source hash did not settle (see PageWriter) against their stored
 * rows: fields are compared as values (attributes and links as JSON), so other bytes for the same value
 * (reordered keys, whitespace) are no change, and the changed fields are what an event lists.
 * `attributesDiffer`: users whose attributes Postgres found different after a `recheck`.
 */
export function diffUsers(incoming: IncomingUser[], stored: Map<string, StoredUser>, attributesDiffer?: ReadonlySet<string>): PageDiff {
  const writes: IncomingUser[] = [];
  const changes: UserChange[] = [];
  const hashOnly: IncomingUser[] = [];
  const recheck: IncomingUser[] = [];
  let unchanged = 0;
  for (const inc of incoming) {
    const prev = stored.get(inc.user.sid);
    if (!prev || prev.deleted) {
      writes.push(inc);
      changes.push({
        op: 'created',
        before: null,
        after: inc.user,
        changed: changedFields(null, inc.user),
        attributesText: { before: null, after: inc.attributesText },
      });
      continue;
    }
    // A list page says nothing about presence (always null there): keep what a point fetch told us.
    const after: MirrorUser = {
      ...inc.user,
      is_online: inc.user.is_online ?? prev.isOnline,
      is_notifiable: inc.user.is_notifiable ?? prev.isNotifiable,
    };
    if (!prev.user) throw new Error(`stored state of ${inc.user.sid} was not loaded for the diff`);
    let changed = changedFields(prev.user, after);
    if (!changed.includes('attributes') && inc.attributesText !== prev.attributesText) {
      if (attributesDiffer?.has(inc.user.sid)) {
        changed = MIRROR_USER_FIELDS.filter((f) => f === 'attributes' || changed.includes(f));
      } else if (!attributesDiffer && (mayLosePrecision(inc.attributesText) || mayLosePrecision(prev.attributesText))) {
        recheck.push(inc);
      }
    }
    if (!changed.length) {
      // Same values in other bytes: not rewritten (its stored source hash stays, and the next crawl compares
      // again), unless it has no source hash at all: then only that is written, once, announcing nothing.
      if (prev.unhashed) hashOnly.push(inc);
      unchanged++;
      continue;
    }
    writes.push({ ...inc, user: after });
    changes.push({ op: 'updated', before: prev.user, after, changed, attributesText: { before: prev.attributesText, after: inc.attributesText } });
  }
  return { writes, changes, unchanged, hashOnly, recheck };
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return stableStringify(a) === stableStringify(b);
}

/** The fields whose values differ; a missing side (creation, deletion) differs in every field. */
export function changedFields(before: MirrorUser | null, after: MirrorUser | null): MirrorUserField[] {
  if (!before || !after) return [...MIRROR_USER_FIELDS];
  return MIRROR_USER_FIELDS.filter((f) => !sameValue(before[f], after[f]));
}
