import type { SidPrefix } from '../common/sid';
import { DEFAULT_PAGE_SIZE } from '../config/sim.constants';
import { decodePageToken, type PageCursor } from './page-token';
import { TwilioHttpException } from './twilio-http.exception';

export interface ListQuery {
  pageSize: number;
  /** null = the first page. */
  cursor: PageCursor | null;
}

export interface ListQueryRules {
  maxPageSize: number;
  scope: string;
  itemPrefix: SidPrefix;
}

/**
 * Parses PageSize/Page/PageToken from the raw query (so repeated parameters are seen, not silently merged).
 * Page is client state, but a Page > 0 without a PageToken, or one that contradicts the token, is an error:
 * it means the client is building page URLs instead of following next_page_url.
 */
export function parseListQuery(search: string, rules: ListQueryRules): ListQuery {
  const params = new URLSearchParams(search);
  const pageSizeText = single(params, 'PageSize');
  const pageText = single(params, 'Page');
  const token = single(params, 'PageToken');

  let pageSize = DEFAULT_PAGE_SIZE;
  if (pageSizeText !== undefined) {
    pageSize = Number(pageSizeText);
    if (!/^\d{1,9}$/.test(pageSizeText) || pageSize < 1 || pageSize > rules.maxPageSize) {
      throw TwilioHttpException.badRequest(`Invalid PageSize: must be an integer between 1 and ${rules.maxPageSize}`);
    }
  }
  let page: number | undefined;
  if (pageText !== undefined) {
    if (!/^\d{1,9}$/.test(pageText)) throw TwilioHttpException.badRequest('Invalid Page: must be an integer >= 0');
    page = Number(pageText);
  }
  if (token === undefined) {
    if (page !== undefined && page > 0) throw TwilioHttpException.badRequest('Page greater than 0 requires a PageToken');
    return { pageSize, cursor: null };
  }
  const cursor = decodePageToken(rules.scope, rules.itemPrefix, token);
  if (cursor === null) throw TwilioHttpException.badRequest('Invalid PageToken');
  if (page !== undefined && page !== cursor.page) throw TwilioHttpException.badRequest('Page does not match PageToken');
  return { pageSize, cursor };
}

function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) throw TwilioHttpException.badRequest(`${name} must be given at most once`);
  return values[0];
}
