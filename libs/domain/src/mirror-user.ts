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
