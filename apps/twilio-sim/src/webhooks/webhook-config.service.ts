import { Injectable } from '@nestjs/common';
import { isSid } from '../common/sid';
import type { AccountRecord } from '../store/account.record';
import type { ChatServiceRecord } from '../store/chat-service.record';
import { SimStore } from '../store/sim-store.service';
import { TwilioHttpException } from '../twilio/twilio-http.exception';
import type { TwilioAccountWebhookConfig, TwilioServiceWebhookConfig } from '../twilio/twilio.types';
import {
  accountWebhookJson,
  appliedWebhookConfig,
  serviceWebhookJson,
  type WebhookConfigInput,
  type WebhookMethod,
} from './webhook-config';

/** Where a post-event webhook goes. */
export interface WebhookTargetUrl {
  url: string;
  method: WebhookMethod;
}

/** The account-level and service-level webhook configuration, and which of them an event goes to. */
@Injectable()
export class WebhookConfigService {
  constructor(private readonly store: SimStore) {}

  account(account: AccountRecord, origin: string): TwilioAccountWebhookConfig {
    return accountWebhookJson(account.sid, account.webhooks, origin);
  }

  updateAccount(account: AccountRecord, input: WebhookConfigInput, origin: string): TwilioAccountWebhookConfig {
    account.webhooks = appliedWebhookConfig(account.webhooks, input);
    return this.account(account, origin);
  }

  service(service: ChatServiceRecord, origin: string): TwilioServiceWebhookConfig {
    return serviceWebhookJson(service.accountSid, service.sid, service.webhooks, origin);
  }

  updateService(service: ChatServiceRecord, input: WebhookConfigInput, origin: string): TwilioServiceWebhookConfig {
    // Target is not a field of the service-level resource.
    service.webhooks = appliedWebhookConfig(service.webhooks, { ...input, target: undefined });
    return this.service(service, origin);
  }

  /** The service as the Twilio surface sees it: 400 for a malformed sid, 404 for a missing or foreign one. */
  requireService(account: AccountRecord, serviceSid: string, path: string): ChatServiceRecord {
    if (!isSid('IS', serviceSid)) throw TwilioHttpException.badRequest(`Invalid service sid: ${serviceSid}`);
    const service = this.store.service(serviceSid);
    if (!service || service.accountSid !== account.sid) throw TwilioHttpException.notFound(path);
    return service;
  }

  /**
   * Where a post-event of this service goes, or null. Twilio: "If configured, service-scoped webhooks will override
   * your global webhook settings such that only the service-scoped hooks will fire" (Per-Service Webhook resource).
   * A service with its own PostWebhookUrl therefore silences the account's hooks; and as the service-level filters
   * Twilio documents hold no user events, such a service sends no user webhooks at all. A `flex` target routes
   * inside Twilio, so nothing reaches the URL.
   */
  postTarget(service: ChatServiceRecord, eventType: string): WebhookTargetUrl | null {
    if (service.webhooks.postWebhookUrl !== null) return null;
    const config = this.store.account(service.accountSid)?.webhooks;
    if (!config || config.target !== 'webhook' || config.postWebhookUrl === null || !config.filters.includes(eventType)) return null;
    return { url: config.postWebhookUrl, method: config.method };
  }
}
