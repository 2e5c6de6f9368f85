import { lowerBound, upperBound, type HasSid } from '../store/sorted-search';
import type { ListQuery } from './list-query.parser';
import { encodePageToken } from './page-token';
import type { TwilioPageMeta } from './twilio.types';

/** The slice [start, end) of a sid-sorted array that one list request returns. */
export interface PageWindow {
  page: number;
  start: number;
  end: number;
}

/** Located by binary search, so the cost of a page does not depend on its depth. */
export function pageWindow(sorted: readonly HasSid[], query: ListQuery): PageWindow {
  const { pageSize, cursor } = query;
  if (cursor === null) return { page: 0, start: 0, end: Math.min(pageSize, sorted.length) };
  if (cursor.direction === 'after') {
    const start = upperBound(sorted, cursor.sid);
    return { page: cursor.page, start, end: Math.min(start + pageSize, sorted.length) };
  }
  const end = lowerBound(sorted, cursor.sid);
  return { page: cursor.page, start: Math.max(0, end - pageSize), end };
}

export interface PageMetaInput {
  /** Absolute URL of the list without query, e.g. http://127.0.0.1:4010/v1/Services/IS…/Users */
  listUrl: string;
  key: string;
  scope: string;
  pageSize: number;
  token: string | null;
  window: PageWindow;
  sorted: readonly HasSid[];
}

/** A page URL as Twilio writes them: PageSize, Page, then the opaque PageToken when there is one. */
export function listPageUrl(listUrl: string, pageSize: number, page: number, pageToken: string | null): string {
  return `${listUrl}?PageSize=${pageSize}&Page=${page}${pageToken === null ? '' : `&PageToken=${pageToken}`}`;
}

export function pageMeta(input: PageMetaInput): TwilioPageMeta {
  const { listUrl, key, scope, pageSize, token, window, sorted } = input;
  const pageUrl = (page: number, pageToken: string | null): string => listPageUrl(listUrl, pageSize, page, pageToken);
  const first = pageUrl(0, null);
  const empty = window.start === window.end;
  let next: string | null = null;
  if (!empty && window.end < sorted.length) {
    const last = (sorted[window.end - 1] as HasSid).sid;
    next = pageUrl(window.page + 1, encodePageToken(scope, { page: window.page + 1, direction: 'after', sid: last }));
  }
  let previous: string | null = null;
  if (window.page === 1 || (window.page > 1 && empty)) {
    previous = first;
  } else if (window.page > 1) {
    const head = (sorted[window.start] as HasSid).sid;
    previous = pageUrl(window.page - 1, encodePageToken(scope, { page: window.page - 1, direction: 'before', sid: head }));
  }
  return {
    page: window.page,
    page_size: pageSize,
    first_page_url: first,
    previous_page_url: previous,
    url: pageUrl(window.page, token),
    next_page_url: next,
    key,
  };
}
