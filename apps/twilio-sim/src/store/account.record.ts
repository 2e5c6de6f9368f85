import type { ChatServiceRecord } from './chat-service.record';

export class AccountRecord {
  /** API key sid → secret. */
  readonly apiKeys = new Map<string, string>();
  /** Sorted by sid, the order GET /v1/Services lists them in. */
  readonly services: ChatServiceRecord[] = [];

  constructor(
    readonly sid: string,
    public authToken: string,
  ) {}
}
