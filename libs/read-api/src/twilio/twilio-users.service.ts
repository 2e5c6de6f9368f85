import { Injectable } from '@nestjs/common';
import { TwilioUserRow, UsersRepository } from '../users/users.repository';
import { TwilioListQuery } from './twilio-list.query';
import { twilioNotFound } from './twilio-not-found';
import { encodePageToken } from './twilio-page-token';
import { TwilioUserDto, TwilioUserPageDto } from './twilio-user.dto';

/**
 * Twilio's users list and fetch over the mirror, on the mirror's own origin. Deleted users are neither
 * listed nor fetched, exactly as upstream after the delete.
 */
@Injectable()
export class TwilioUsersService {
  constructor(private readonly users: UsersRepository) {}

  async list(origin: string, serviceSid: string, q: TwilioListQuery): Promise<TwilioUserPageDto> {
    const rows = await this.users.twilioPage(serviceSid, q.cursor, q.pageSize + 1);
    const backward = q.cursor?.direction === 'before';
    const extra = rows.length > q.pageSize;
    // The extra row says whether there is more in the direction of travel; it sits at that end.
    const items = !extra ? rows : backward ? rows.slice(1) : rows.slice(0, q.pageSize);
    if (items.length === 0 && q.cursor === null && !(await this.users.serviceKnown(serviceSid))) {
      throw twilioNotFound(serviceSid);
    }
    const usersUrl = `${origin}/twilio/v1/Services/${serviceSid}/Users`;
    const pageUrl = (page: number, token: string | null) =>
      `${usersUrl}?PageSize=${q.pageSize}&Page=${page}${token === null ? '' : `&PageToken=${token}`}`;
    const hasNext = backward ? items.length > 0 : extra;
    const hasPrevious = backward ? extra : q.page > 0 && items.length > 0;
    const first = items[0]?.sid;
    const last = items[items.length - 1]?.sid;
    return {
      users: items.map((r) => toTwilioUser(usersUrl, r, false)),
      meta: {
        page: q.page,
        page_size: q.pageSize,
        first_page_url: pageUrl(0, null),
        previous_page_url: hasPrevious && first ? pageUrl(Math.max(q.page - 1, 0), encodePageToken(serviceSid, { page: Math.max(q.page - 1, 0), direction: 'before', sid: first })) : null,
        url: pageUrl(q.page, q.token),
        next_page_url: hasNext && last ? pageUrl(q.page + 1, encodePageToken(serviceSid, { page: q.page + 1, direction: 'after', sid: last })) : null,
        key: 'users',
      },
    };
  }

  async fetch(origin: string, serviceSid: string, key: string): Promise<TwilioUserDto> {
    const row = await this.users.twilioFetch(serviceSid, key);
    if (!row) throw twilioNotFound(serviceSid, key);
    return toTwilioUser(`${origin}/twilio/v1/Services/${serviceSid}/Users`, row, true);
  }
}

/** Twilio's field order; presence only on fetch, as Twilio's list always says null. */
function toTwilioUser(usersUrl: string, r: TwilioUserRow, withPresence: boolean): TwilioUserDto {
  const url = `${usersUrl}/${r.sid}`;
  return {
    sid: r.sid,
    account_sid: r.account_sid,
    chat_service_sid: r.chat_service_sid,
    role_sid: r.role_sid,
    identity: r.identity,
    friendly_name: r.friendly_name,
    attributes: r.attributes,
    is_online: withPresence ? r.is_online : null,
    is_notifiable: withPresence ? r.is_notifiable : null,
    date_created: r.date_created,
    date_updated: r.date_updated,
    url,
    links: { user_conversations: `${url}/Conversations` },
  };
}
