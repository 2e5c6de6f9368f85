export const FAULT_KINDS = ['500', '503', '429', 'truncate', 'non-json', 'bad-sid', 'reset', 'proxy-404', 'page-loop'] as const;
export const FAULT_MATCHES = ['any', 'users-list', 'users-fetch', 'services-list', 'services-fetch'] as const;

/**
 * `truncate`: a 200 whose JSON body is cut in the middle (Content-Length matches the cut body);
 * `non-json`: a 200 text/html page; `bad-sid`: a 200 whose first item's sid is `XX123`;
 * `reset`: the socket is destroyed without an answer; `proxy-404`: a 404 HTML page without Twilio's error body;
 * `page-loop`: a list page whose next_page_url is its first page's.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultMatch = (typeof FAULT_MATCHES)[number];

/** A one-shot fault: hits the next `count` matching requests once `skip` matching requests went through. */
export interface FaultSpec {
  kind: FaultKind;
  /** Default 1. */
  count?: number;
  /** Matching requests to let pass first; default 0. */
  skip?: number;
  /** Default `any`. */
  match?: FaultMatch;
  /** Only requests of this account; default any account. */
  accountSid?: string;
}

export interface PendingFault {
  kind: FaultKind;
  count: number;
  skip: number;
  match: FaultMatch;
  accountSid: string | null;
}
