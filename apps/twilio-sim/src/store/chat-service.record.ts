import { defaultWebhookConfig, type WebhookConfig } from '../webhooks/webhook-config';
import { UserTable } from './user-table';

/** A Conversations service and its users. */
export class ChatServiceRecord {
  readonly users = new UserTable();
  /** Next ordinal embedded in generated identities, which keeps them unique across bulk calls. */
  nextOrdinal = 1;
  /** Bulk calls so far; part of each call's derived seed so repeated calls never repeat sids. */
  bulkCalls = 0;
  /** Users created one by one; only then must bulk creation check identities against the table. */
  manualUsers = 0;
  /** The service's own webhooks: /v1/Services/{sid}/Configuration/Webhooks. */
  webhooks: WebhookConfig = defaultWebhookConfig();

  constructor(
    readonly sid: string,
    readonly accountSid: string,
    public friendlyName: string | null,
    readonly dateCreated: number,
    public dateUpdated: number,
    /** The service's roles, which generated users draw their role_sid from. */
    readonly roleSids: readonly string[],
  ) {}
}
