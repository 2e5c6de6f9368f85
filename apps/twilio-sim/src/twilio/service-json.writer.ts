import { formatTwilioDate } from '../common/twilio-date';
import type { ChatServiceRecord } from '../store/chat-service.record';
import type { TwilioService } from './twilio.types';

export function serviceObject(service: ChatServiceRecord, origin: string): TwilioService {
  const url = `${origin}/v1/Services/${service.sid}`;
  return {
    sid: service.sid,
    account_sid: service.accountSid,
    friendly_name: service.friendlyName,
    date_created: formatTwilioDate(service.dateCreated),
    date_updated: formatTwilioDate(service.dateUpdated),
    url,
    links: {
      conversations: `${url}/Conversations`,
      users: `${url}/Users`,
      roles: `${url}/Roles`,
      bindings: `${url}/Bindings`,
      configuration: `${url}/Configuration`,
      participant_conversations: `${url}/ParticipantConversations`,
      conversation_with_participants: `${url}/ConversationWithParticipants`,
    },
  };
}
