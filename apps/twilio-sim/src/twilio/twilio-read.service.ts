import { Injectable } from '@nestjs/common';
import { isSid } from '../common/sid';
import { SERVICES_MAX_PAGE_SIZE, USERS_MAX_PAGE_SIZE } from '../config/sim.constants';
import type { AccountRecord } from '../store/account.record';
import type { ChatServiceRecord } from '../store/chat-service.record';
import { SimStore } from '../store/sim-store.service';
import { pageMeta, pageWindow } from './list-page';
import { parseListQuery } from './list-query.parser';
import { serviceObject } from './service-json.writer';
import { TwilioHttpException } from './twilio-http.exception';
import { UserJsonWriter } from './user-json.writer';

/** Request as the Twilio surface sees it: who asks, from which origin, for which path and query. */
export interface ReadRequest {
  account: AccountRecord;
  origin: string;
  /** Path as requested (still URL-encoded), quoted in 404 messages. */
  path: string;
  /** Raw query string without '?'. */
  search: string;
}

/** Renders the JSON bodies of the four read endpoints; throws TwilioHttpException for Twilio's errors. */
@Injectable()
export class TwilioReadService {
  constructor(private readonly store: SimStore) {}

  listServices(request: ReadRequest): string {
    const services = request.account.services;
    const scope = request.account.sid;
    const query = parseListQuery(request.search, { maxPageSize: SERVICES_MAX_PAGE_SIZE, scope, itemPrefix: 'IS' });
    const window = pageWindow(services, query);
    const items = services.slice(window.start, window.end).map((s) => serviceObject(s, request.origin));
    const meta = pageMeta({
      listUrl: `${request.origin}/v1/Services`,
      key: 'services',
      scope,
      pageSize: query.pageSize,
      token: tokenOf(request.search),
      window,
      sorted: services,
    });
    return JSON.stringify({ services: items, meta });
  }

  fetchService(request: ReadRequest, serviceSid: string): string {
    return JSON.stringify(serviceObject(this.requireService(request, serviceSid), request.origin));
  }

  listUsers(request: ReadRequest, serviceSid: string): string {
    const service = this.requireService(request, serviceSid);
    const users = service.users.all;
    const query = parseListQuery(request.search, { maxPageSize: USERS_MAX_PAGE_SIZE, scope: service.sid, itemPrefix: 'US' });
    const window = pageWindow(users, query);
    const meta = pageMeta({
      listUrl: `${request.origin}/v1/Services/${service.sid}/Users`,
      key: 'users',
      scope: service.sid,
      pageSize: query.pageSize,
      token: tokenOf(request.search),
      window,
      sorted: users,
    });
    const writer = new UserJsonWriter(request.origin, service.accountSid, service.sid);
    let body = `{"meta":${JSON.stringify(meta)},"users":[`;
    for (let i = window.start; i < window.end; i++) {
      if (i > window.start) body += ',';
      body += writer.json(users[i], false);
    }
    return `${body}]}`;
  }

  /** `sidOrIdentity` is already URL-decoded; a sid is tried first, then an identity, as Twilio does. */
  fetchUser(request: ReadRequest, serviceSid: string, sidOrIdentity: string): string {
    const service = this.requireService(request, serviceSid);
    const user =
      (isSid('US', sidOrIdentity) ? service.users.findBySid(sidOrIdentity) : undefined) ??
      service.users.findByIdentity(sidOrIdentity);
    if (!user) throw TwilioHttpException.notFound(request.path);
    return new UserJsonWriter(request.origin, service.accountSid, service.sid).json(user, true);
  }

  private requireService(request: ReadRequest, serviceSid: string): ChatServiceRecord {
    if (!isSid('IS', serviceSid)) throw TwilioHttpException.badRequest(`Invalid service sid: ${serviceSid}`);
    const service = this.store.service(serviceSid);
    // Another account's service is indistinguishable from a missing one, as on Twilio.
    if (!service || service.accountSid !== request.account.sid) throw TwilioHttpException.notFound(request.path);
    return service;
  }
}

function tokenOf(search: string): string | null {
  return new URLSearchParams(search).get('PageToken');
}
