import type { TwilioServiceWebhookConfig, TwilioWebhookConfig, WebhookConfigUpdate } from '@app/twilio';
import { USER_POST_EVENTS } from '../receiver/webhook-request';

export interface RegistrationPlan {
  /** What to POST to /v1/Configuration/Webhooks; null: nothing (already registered, or refused). */
  update: WebhookConfigUpdate | null;
  /** Each change, as a person reads it. */
  changes: string[];
  /** Why nothing is changed without --force. */
  refused: string[];
  warnings: string[];
}

/**
 * What registering the mirror's URL on an account takes: the user post-events added to its Filters and its
 * PostWebhookUrl set when it has none. The account has one post-event URL for every Conversations event, maybe
 * already someone's: an existing URL is never replaced, nor a Flex target turned into a webhook one, without
 * `force`; and then nothing at all is changed (adding the user events would send them to that other URL). A filter
 * is never removed.
 */
export function planRegistration(current: TwilioWebhookConfig, url: string, force: boolean): RegistrationPlan {
  const update: WebhookConfigUpdate = {};
  const changes: string[] = [];
  const refused: string[] = [];
  const warnings: string[] = [];

  const missing = USER_POST_EVENTS.filter((f) => !current.filters.includes(f));
  if (missing.length) {
    update.filters = [...current.filters, ...missing];
    changes.push(`Filters: ${missing.join(', ')} added (kept: ${current.filters.length ? current.filters.join(', ') : 'none'})`);
  }
  if (current.postWebhookUrl === null) {
    update.postWebhookUrl = url;
    changes.push(`PostWebhookUrl: (none) -> ${url}`);
  } else if (current.postWebhookUrl !== url) {
    if (force) {
      update.postWebhookUrl = url;
      changes.push(`PostWebhookUrl: ${current.postWebhookUrl} -> ${url} (--force)`);
      warnings.push(`${current.postWebhookUrl} no longer receives the account's Conversations post-events`);
    } else {
      refused.push(`PostWebhookUrl is already ${current.postWebhookUrl}, which receives every Conversations post-event of the account: not replaced (--force replaces it)`);
    }
  }
  if (current.target === 'flex') {
    if (force) {
      update.target = 'webhook';
      changes.push('Target: flex -> webhook (--force)');
    } else {
      refused.push('Target is flex: Twilio sends the events to Flex, not to the URL (--force sets it to webhook)');
    }
  }
  if (refused.length && !force) return { update: null, changes: [], refused, warnings };
  return { update: changes.length ? update : null, changes, refused: [], warnings };
}

/** Whether the account's configuration sends the user post-events to `url`. */
export function registered(current: TwilioWebhookConfig, url: string): boolean {
  return current.postWebhookUrl === url && current.target !== 'flex' && USER_POST_EVENTS.every((f) => current.filters.includes(f));
}

/**
 * A service with webhooks of its own: Twilio then sends that service's events to them only, and the service-level
 * Filters cannot name user events, so the mirror gets no user hooks for it (its crawl still mirrors it).
 */
export function overridesAccountHooks(service: TwilioServiceWebhookConfig): boolean {
  return service.postWebhookUrl !== null || service.preWebhookUrl !== null;
}
