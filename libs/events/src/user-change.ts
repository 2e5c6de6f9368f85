import type { MirrorUser, UserChange, UserChangeOp } from '@app/domain';

export type { UserChange, UserChangeOp } from '@app/domain';

/** The event's `data` as JSON text, attributes exact where their text is known. */
export function userChangeJson(c: UserChange): string {
  const user = (u: MirrorUser | null, text: string | null | undefined) => {
    if (!u || text === undefined) return JSON.stringify(u);
    const { attributes: _, ...fields } = u;
    return `${JSON.stringify(fields).slice(0, -1)},"attributes":${text ?? 'null'}}`;
  };
  const before = user(c.before, c.attributesText?.before);
  const after = user(c.after, c.attributesText?.after);
  return `{"op":"${c.op}","before":${before},"after":${after},"changed":${JSON.stringify(c.changed)},"version":${c.version}}`;
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
