import type { ChatServiceRecord } from '../store/chat-service.record';
import type { UserRecord } from '../store/user.record';

export type UserEventType = 'onUserAdded' | 'onUserUpdated';
export type WebhookParams = Array<readonly [string, string]>;

/**
 * The form parameters of a user post-event, snapshotted when the event happens.
 *
 * Sources: the user fields are those Twilio documents for the Conversations UserAdded / UserUpdated events
 * (Event Streams schemas Conversations.UserAdded/2 and UserUpdated/2: AccountSid, UserSid, Identity, FriendlyName,
 * Attributes, RoleSid, DateCreated; UserUpdated adds DateUpdated, IsOnline, IsNotifiable), plus what every
 * Conversations webhook carries: EventType, ChatServiceSid and Source (`API` here: the simulator's mutations
 * stand for REST calls made with X-Twilio-Webhook-Enabled, so there is no ClientIdentity, which Twilio adds only
 * to SDK-originated events). Not verified against a captured request: the date format (ISO 8601 with
 * milliseconds, as in the Event Streams examples) and whether null fields are omitted (they are, here).
 */
export function userWebhookParams(eventType: UserEventType, service: ChatServiceRecord, user: UserRecord): WebhookParams {
  const params: WebhookParams = [
    ['EventType', eventType],
    ['AccountSid', service.accountSid],
    ['ChatServiceSid', service.sid],
    ['Source', 'API'],
    ['UserSid', user.sid],
    ['Identity', user.identity],
  ];
  if (user.friendlyName !== null) params.push(['FriendlyName', user.friendlyName]);
  params.push(['Attributes', user.attributes]);
  if (user.roleSid !== null) params.push(['RoleSid', user.roleSid]);
  params.push(['DateCreated', isoDate(user.dateCreated)]);
  if (eventType === 'onUserUpdated') {
    params.push(['DateUpdated', isoDate(user.dateUpdated)]);
    if (user.isOnline !== null) params.push(['IsOnline', String(user.isOnline)]);
    if (user.isNotifiable !== null) params.push(['IsNotifiable', String(user.isNotifiable)]);
  }
  return params;
}

function isoDate(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}
