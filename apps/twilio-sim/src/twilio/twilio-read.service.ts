import { Injectable } from '@nestjs/common';
import { isSid } from '../common/sid';
import { SERVICES_MAX_PAGE_SIZE, USERS_MAX_PAGE_SIZE } from '../config/sim.constants';
import type { AccountRecord } from '../store/account.record';
import type { ChatServiceRecord } from '../store/chat-service.record';
import { SimStore } from '../store/sim-store.service';
import type { DrawnFault } from '../upstream/fault.types';
import { listPageUrl, pageMeta, pageWindow, type PageWindow } from './list-page';
import { parseListQuery } from './list-query.parser';
import { encodePageToken } from './page-token';
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
  /** The body fault this request drew; the users list shapes its page for oversize-page and endless-pages. */
  fault?: DrawnFault;
}

/** Sorts before every user sid: a cursor "after" it restarts the list from its first user. */
const BEFORE_ANY_USER = `US${'0'.repeat(32)}`;
/** Users an oversize-page adds beyond the PageSize asked for, unless the fault says how many records. */
const OVERSIZE_EXTRA = 3;

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
    const listUrl = `${request.origin}/v1/Services/${service.sid}/Users`;
    const meta = pageMeta({
      listUrl,
      key: 'users',
      scope: service.sid,
      pageSize: query.pageSize,
      token: tokenOf(request.search),
      window,
      sorted: users,
    });
    if (request.fault?.kind === 'endless-pages' && meta.next_page_url === null) {
      // Past the end the next page starts over from the first user, one page number further: a new URL every time.
      const page = window.page + 1;
      const token = encodePageToken(service.sid, { page, direction: 'after', sid: BEFORE_ANY_USER });
      meta.next_page_url = listPageUrl(listUrl, query.pageSize, page, token);
    }
    const writer = new UserJsonWriter(request.origin, service.accountSid, service.sid);
    let body = `{"meta":${JSON.stringify(meta)},"users":[`;
    const rows =
      request.fault?.kind === 'oversize-page'
        ? oversizeRows(window, users.length, request.fault.records ?? query.pageSize + OVERSIZE_EXTRA)
        : null;
    if (rows) {
      body += rows.map((i) => writer.json(users[i], false)).join(',');
    } else {
      for (let i = window.start; i < window.end; i++) {
        if (i > window.start) body += ',';
        body += writer.json(users[i], false);
      }
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

/** `records` users from the page's start, wrapping to the first users when the list runs out (meta stays as asked). */
function oversizeRows(window: PageWindow, total: number, records: number): number[] {
  if (total === 0) return [];
  return Array.from({ length: records }, (_, k) => (window.start + k) % total);
}

function tokenOf(search: string): string | null {
  return new URLSearchParams(search).get('PageToken');
}
