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
  /**
   * The stored source is not Twilio's of now: no source hash (stored before hashes existed), another one (the same
   * values in other bytes: reordered keys, whitespace, escapes), or no exact attributes text (stored before it was
   * kept). An unchanged user in this state has its source rewritten, and nothing else.
   */
  sourceStale: boolean;
  /** The stored row's version (loaded whenever `user` is). */
  version: number | null;
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
  /**
   * Unchanged users whose stored source is stale (see StoredUser.sourceStale): their source hash and exact attributes
   * text are rewritten, so the Twilio surface serves Twilio's bytes and the next crawl settles them by the hash.
   * No new version, no changed_at, no event: every value a consumer reads is the same.
   */
  sourceOnly: IncomingUser[];
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
  const sourceOnly: IncomingUser[] = [];
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
        version: (prev?.version ?? 0) + 1, // a user created again after its deletion keeps counting
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
      // Same values, maybe in other bytes: the row stays; only its source is rewritten when it is not Twilio's.
      if (prev.sourceStale) sourceOnly.push(inc);
      unchanged++;
      continue;
    }
    writes.push({ ...inc, user: after });
    changes.push({
      op: 'updated',
      before: prev.user,
      after,
      changed,
      version: (prev.version ?? 0) + 1,
      attributesText: { before: prev.attributesText, after: inc.attributesText },
    });
  }
  return { writes, changes, unchanged, sourceOnly, recheck };
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
