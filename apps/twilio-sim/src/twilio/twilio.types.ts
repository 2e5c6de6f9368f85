/** Wire shapes of the Twilio Conversations resources the simulator serves (conversations.v1.* in the spec). */
export interface TwilioUser {
  sid: string;
  account_sid: string;
  chat_service_sid: string;
  role_sid: string | null;
  identity: string;
  friendly_name: string | null;
  /** A JSON object as a string; `{}` when unset. */
  attributes: string;
  /** Only a single-user fetch returns the stored value; lists always say null. */
  is_online: boolean | null;
  is_notifiable: boolean | null;
  date_created: string;
  date_updated: string;
  url: string;
  links: { user_conversations: string };
}

export interface TwilioService {
  sid: string;
  account_sid: string;
  friendly_name: string | null;
  date_created: string;
  date_updated: string;
  url: string;
  links: {
    conversations: string;
    users: string;
    roles: string;
    bindings: string;
    configuration: string;
    participant_conversations: string;
    conversation_with_participants: string;
  };
}

export interface TwilioPageMeta {
  page: number;
  page_size: number;
  first_page_url: string;
  previous_page_url: string | null;
  url: string;
  next_page_url: string | null;
  key: string;
}

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

/** conversations.v1.configuration.configuration_webhook: the account's (global) webhooks. */
export interface TwilioAccountWebhookConfig {
  account_sid: string;
  method: 'GET' | 'POST';
  filters: string[];
  pre_webhook_url: string | null;
  post_webhook_url: string | null;
  target: 'webhook' | 'flex';
  url: string;
}

/** conversations.v1.service.service_configuration.service_webhook_configuration: one service's webhooks. */
export interface TwilioServiceWebhookConfig {
  account_sid: string;
  chat_service_sid: string;
  pre_webhook_url: string | null;
  post_webhook_url: string | null;
  filters: string[];
  method: 'GET' | 'POST';
  url: string;
}
