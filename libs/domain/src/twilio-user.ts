/**
 * A Conversations user as Twilio sends it (list page or point fetch), after the client checked its shape: every
 * field is nullable upstream, so every field but `sid` may be null here.
 */
export interface TwilioUser {
  sid: string;
  account_sid: string | null;
  chat_service_sid: string | null;
  role_sid: string | null;
  identity: string | null;
  friendly_name: string | null;
  /** Twilio's JSON *string*, kept verbatim. */
  attributes: string | null;
  /** Always null in list responses; only point fetches carry a value. */
  is_online: boolean | null;
  is_notifiable: boolean | null;
  date_created: string | null;
  date_updated: string | null;
  url: string | null;
  links: Record<string, string> | null;
}
