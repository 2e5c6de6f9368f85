import { BadRequestException } from '@nestjs/common';
import { decodePageToken, MAX_PAGE, TwilioPageCursor } from './twilio-page-token';

export const TWILIO_MAX_PAGE_SIZE = 50;

export interface TwilioListQuery {
  pageSize: number;
  page: number;
  token: string | null;
  cursor: TwilioPageCursor | null;
}

/**
 * Twilio's list parameters. Unknown parameters are ignored, as Twilio does. A PageSize above 50 is served
 * as 50 rather than refused: the SDK sends `list({limit})` as PageSize=limit, and Twilio caps it too.
 */
export function parseTwilioListQuery(serviceSid: string, query: Record<string, unknown>): TwilioListQuery {
  const pageSize = single(query.PageSize, 'PageSize');
  const pageParam = single(query.Page, 'Page');
  const token = single(query.PageToken, 'PageToken');
  let size = TWILIO_MAX_PAGE_SIZE;
  if (pageSize !== undefined) {
    if (!/^\d{1,9}$/.test(pageSize) || Number(pageSize) < 1) throw new BadRequestException('Invalid PageSize: must be a whole number from 1 to 50');
    size = Math.min(Number(pageSize), TWILIO_MAX_PAGE_SIZE);
  }
  if (pageParam !== undefined && (!/^\d{1,8}$/.test(pageParam) || Number(pageParam) > MAX_PAGE)) {
    throw new BadRequestException('Invalid Page: must be a whole number from 0');
  }
  let cursor: TwilioPageCursor | null = null;
  if (token !== undefined) {
    cursor = decodePageToken(serviceSid, token);
    if (!cursor) throw new BadRequestException('Invalid PageToken: pass next_page_url or previous_page_url of a page of this list unchanged');
  }
  // Page is client state only: the token, which carries its own index, wins.
  return { pageSize: size, page: cursor?.page ?? (pageParam === undefined ? 0 : Number(pageParam)), token: token ?? null, cursor };
}

function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BadRequestException(`Invalid ${name}: give it once`);
  return value;
}
