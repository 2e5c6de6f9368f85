import type { MirrorUser, MirrorUserField } from './mirror-user';

export type UserChangeOp = 'created' | 'updated' | 'deleted';

/** What the mirror observed of one user: the `data` of a user-changed event. */
export interface UserChange {
  op: UserChangeOp;
  before: MirrorUser | null;
  after: MirrorUser | null;
  changed: MirrorUserField[];
  /**
   * The user's version in the mirror after this change (1 when first created; a deletion bumps it too): with the
   * `version` the read API serves on each user, a consumer can tell whether a row it holds is older than an event.
   */
  version: number;
  /**
   * The attributes of `before` and `after` as exact JSON text (Twilio's, or Postgres's print of the stored
   * jsonb), written into the event in place of the parsed values, whose numbers are doubles.
   */
  attributesText?: { before: string | null; after: string | null };
}
