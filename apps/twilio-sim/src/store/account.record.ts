import { defaultWebhookConfig, type WebhookConfig } from '../webhooks/webhook-config';
import type { ChatServiceRecord } from './chat-service.record';

export class AccountRecord {
  /** API key sid → secret. */
  readonly apiKeys = new Map<string, string>();
  /** Sorted by sid, the order GET /v1/Services lists them in. */
  readonly services: ChatServiceRecord[] = [];
  /** The account's (global) Conversations webhooks: /v1/Configuration/Webhooks. */
  webhooks: WebhookConfig = defaultWebhookConfig();

  constructor(
    readonly sid: string,
    public authToken: string,
  ) {}
}
