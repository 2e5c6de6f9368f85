export const FAULT_KINDS = [
  '500',
  '503',
  '429',
  'truncate',
  'non-json',
  'bad-sid',
  'reset',
  'proxy-404',
  'page-loop',
  'control-char-next-url',
  'oversize-page',
  'endless-pages',
  'echo-credential',
] as const;
export const FAULT_MATCHES = ['any', 'users-list', 'users-fetch', 'services-list', 'services-fetch', 'webhook-config'] as const;
/** How `echo-credential` writes the request's secret (auth token, or API secret with an API key) into its error. */
export const ECHO_FORMS = ['token', 'token-cut', 'upper', 'base64', 'basic', 'urlencoded'] as const;

/**
 * `truncate`: a 200 whose JSON body is cut in the middle (Content-Length matches the cut body);
 * `non-json`: a 200 text/html page; `bad-sid`: a 200 whose first item's sid is `XX123`;
 * `reset`: the socket is destroyed without an answer; `proxy-404`: a 404 HTML page without Twilio's error body;
 * `page-loop`: a list page whose next_page_url is its first page's.
 * Poison pages (users list only): `control-char-next-url`: next_page_url carries a control character (`char`,
 * NUL by default) inside its PageToken; `oversize-page`: `records` users (default PageSize + 3) on a page that
 * asked for PageSize; `endless-pages`: every faulted page has a new, unique next_page_url, wrapping to the first
 * users past the end. `echo-credential`: a Twilio error (`status` 500 or 400) whose message and more_info carry
 * the request's credential in the form `form`.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultMatch = (typeof FAULT_MATCHES)[number];
export type EchoForm = (typeof ECHO_FORMS)[number];

/** A one-shot fault: hits the next `count` matching requests once `skip` matching requests went through. */
export interface FaultSpec {
  kind: FaultKind;
  /** Default 1. */
  count?: number;
  /** Matching requests to let pass first; default 0. */
  skip?: number;
  /** Default `any`; `users-list` (the only one allowed) for the poison pages. */
  match?: FaultMatch;
  /** Only requests of this account; default any account. */
  accountSid?: string;
  /** control-char-next-url: one character in U+0000..U+001F or U+007F; default NUL. */
  char?: string;
  /** oversize-page: users on the page, more than the PageSize asked for; default PageSize + 3. */
  records?: number;
  /** echo-credential: default `token`. */
  form?: EchoForm;
  /** echo-credential: 500 (20500, the default) or 400 (20001). */
  status?: 400 | 500;
}

/** The options a fault carries to the request it hits. */
export interface FaultOptions {
  char?: string;
  records?: number;
  form?: EchoForm;
  status?: 400 | 500;
}

export interface PendingFault extends FaultOptions {
  kind: FaultKind;
  count: number;
  skip: number;
  match: FaultMatch;
  accountSid: string | null;
}

/** What a request drew: the kind and its options. */
export interface DrawnFault extends FaultOptions {
  kind: FaultKind;
}
