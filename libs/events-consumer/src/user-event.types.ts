/**
 * The user-changed event as it travels on the stream: a CloudEvents 1.0 structured-mode JSON object.
 * Declared here rather than imported from the mirror so consumers pull in no NestJS or TypeORM types.
 */

export type UserEventOp = 'created' | 'updated' | 'deleted';

/** The mirror's user shape: every Twilio user field, `attributes` already parsed from Twilio's JSON string. */
export interface MirrorUserJson {
  sid: string;
  account_sid: string | null;
  chat_service_sid: string;
  role_sid: string | null;
  identity: string | null;
  friendly_name: string | null;
  attributes: unknown;
  is_online: boolean | null;
  is_notifiable: boolean | null;
  date_created: string | null;
  date_updated: string | null;
  url: string | null;
  links: Record<string, string> | null;
}

export interface UserEventData {
  op: UserEventOp;
  /** Null for `created`. */
  before: MirrorUserJson | null;
  /** Null for `deleted`. */
  after: MirrorUserJson | null;
  /** Names of the fields whose values differ (every field for a creation or deletion). */
  changed: string[];
  /**
   * The user's version in the mirror after this change; the read API serves the same `version` on each user, so a
   * row holding at least this version already reflects the event. Absent on events written by a mirror before 0.2.
   */
  version?: number;
}

export interface CloudEventJson {
  specversion: '1.0';
  /** Unique per change and stable across re-publication: the key to dedupe on. */
  id: string;
  /** `/twilio/accounts/{AC…}/services/{IS…}` */
  source: string;
  /** `io.github.twilio-mirror.conversations.user.{created|updated|deleted}` */
  type: string;
  /** The user sid. */
  subject: string;
  time: string;
  /**
   * The outbox's global, gap-free order. A string per the CloudEvents sequence extension; compare as
   * `BigInt(sequence)`, never lexically.
   */
  sequence: string;
  datacontenttype: string;
  data: UserEventData;
}
