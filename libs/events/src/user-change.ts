import type { MirrorUser, MirrorUserField } from '@app/database';

export type UserChangeOp = 'created' | 'updated' | 'deleted';

/** The `data` of a user-changed CloudEvent. */
export interface UserChange {
  op: UserChangeOp;
  before: MirrorUser | null;
  after: MirrorUser | null;
  changed: MirrorUserField[];
}

/** Reverse-DNS prefix of every event type this service emits. */
export const EVENT_TYPE_PREFIX = 'io.github.twilio-mirror.conversations';

export function eventType(op: UserChangeOp): string {
  return `${EVENT_TYPE_PREFIX}.user.${op}`;
}

/** CloudEvent `source`: the account and service the user belongs to. */
export function eventSource(accountSid: string, serviceSid: string): string {
  return `/twilio/accounts/${accountSid}/services/${serviceSid}`;
}
