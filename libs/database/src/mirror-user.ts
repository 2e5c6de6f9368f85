import stableStringify from 'safe-stable-stringify';

/** The mirror's user shape, used in events and by the read API: Twilio's fields, attributes parsed. */
export interface MirrorUser {
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

export const MIRROR_USER_FIELDS = [
  'account_sid',
  'chat_service_sid',
  'role_sid',
  'identity',
  'friendly_name',
  'attributes',
  'is_online',
  'is_notifiable',
  'date_created',
  'date_updated',
  'url',
  'links',
] as const;
export type MirrorUserField = (typeof MIRROR_USER_FIELDS)[number];

/** Twilio's own format: second precision, `Z`. */
const TWILIO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

export function normalizeDate(value: string | Date | null): string | null {
  if (value === null) return null;
  if (typeof value === 'string' && TWILIO_DATE.test(value)) return value; // already in Twilio's format
  const d = value instanceof Date ? value : new Date(value);
  return d.toISOString().replace(/\.000Z$/, 'Z');
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
