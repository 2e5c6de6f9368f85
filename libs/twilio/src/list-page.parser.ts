import { isPlainObject } from './record.checks';
import type { RejectedRecord } from './twilio.types';
import type { RecordResult } from './user.parser';

export type ShapeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The whole body is read before parsing, so a cut-off body shows up here as "truncated". */
export function parseJsonBody(text: string): ShapeResult<unknown> {
  if (text.length === 0) return { ok: false, reason: 'empty body' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const truncated = e instanceof SyntaxError && /end of (JSON|data)|Unterminated/i.test(e.message);
    return { ok: false, reason: truncated ? 'truncated JSON body' : 'body is not JSON' };
  }
}

/** A list page whose envelope is checked: where it leads next is known, its records are not yet checked. */
export interface ListEnvelope {
  records: unknown[];
  nextPageUrl: string | null;
  page: number | null;
  pageSize: number | null;
}

export interface ParsedRecords<T> {
  items: T[];
  rejected: RejectedRecord[];
}

export interface ListPageContext {
  /** 'users' or 'services': the array's name, which Twilio also puts in `meta.key`. */
  key: string;
  /** Origin of the client's baseUrl: the only place credentials may be sent. */
  origin: string;
  /** The URL just fetched, to catch a page pointing at itself (an endless crawl). */
  url: string;
}

/**
 * Checks a list page's envelope. A bad envelope fails the page (a retryable upstream glitch); the records are
 * checked apart (parseListRecords), so that a crawler can ask for the next page before it reads this one.
 */
export function parseListEnvelope(body: unknown, ctx: ListPageContext): ShapeResult<ListEnvelope> {
  if (!isPlainObject(body)) return { ok: false, reason: 'body is not a JSON object' };
  const meta = body.meta;
  if (!isPlainObject(meta)) return { ok: false, reason: 'meta is missing or not an object' };
  const key = meta.key ?? ctx.key;
  if (key !== ctx.key) return { ok: false, reason: `meta.key is ${JSON.stringify(key)}, expected "${ctx.key}"` };
  const records = body[ctx.key];
  if (!Array.isArray(records)) return { ok: false, reason: `"${ctx.key}" is missing or not an array` };
  // Twilio never answers more than was asked: a bigger page is not Twilio's, and would be held whole in memory.
  const asked = askedPageSize(ctx.url);
  if (records.length > asked) return { ok: false, reason: `the page holds ${records.length} records, more than the ${asked} its PageSize asked for` };
  const next = checkNextPageUrl(meta.next_page_url, ctx);
  if (!next.ok) return next;
  return { ok: true, value: { records, nextPageUrl: next.value, page: integerOrNull(meta.page), pageSize: integerOrNull(meta.page_size) } };
}

/** Validates each record: a bad one only lands in `rejected`, so one odd user never poisons the other 49. */
export function parseListRecords<T>(records: unknown[], parseRecord: (raw: unknown) => RecordResult<T>): ParsedRecords<T> {
  const items: T[] = [];
  const rejected: RejectedRecord[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = parseRecord(records[i]);
    if (r.ok) items.push(r.value);
    else rejected.push({ index: i, sid: r.sid, reason: r.reason });
  }
  return { items, rejected };
}

/** Envelope and records at once, for callers that do not read ahead. */
export function parseListPage<T>(
  body: unknown,
  ctx: ListPageContext,
  parseRecord: (raw: unknown) => RecordResult<T>,
): ShapeResult<Omit<ListEnvelope, 'records'> & ParsedRecords<T>> {
  const envelope = parseListEnvelope(body, ctx);
  if (!envelope.ok) return envelope;
  const { records, ...rest } = envelope.value;
  return { ok: true, value: { ...rest, ...parseListRecords(records, parseRecord) } };
}

/** Twilio's largest page, and the size of a page whose URL names none. */
export const MAX_PAGE_SIZE = 50;

/** The PageSize a page URL asks for (Twilio's default when it names none or an odd one). */
export function askedPageSize(url: string): number {
  let asked: number;
  try {
    asked = Number(new URL(url).searchParams.get('PageSize') ?? MAX_PAGE_SIZE);
  } catch {
    return MAX_PAGE_SIZE;
  }
  return Number.isInteger(asked) && asked >= 1 && asked <= MAX_PAGE_SIZE ? asked : MAX_PAGE_SIZE;
}

function integerOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) ? v : null;
}

/**
 * `next_page_url` is followed verbatim (Twilio's page tokens are opaque), so it is the one server-supplied
 * value that decides where our Authorization header goes next: it must stay on the configured origin.
 * A missing field is an error rather than "last page", because a false last page would start a deletion sweep.
 */
export function checkNextPageUrl(v: unknown, ctx: { origin: string; url?: string }): ShapeResult<string | null> {
  if (v === null) return { ok: true, value: null };
  if (v === undefined) return { ok: false, reason: 'meta.next_page_url is missing' };
  if (typeof v !== 'string') return { ok: false, reason: 'meta.next_page_url is not a string' };
  // A URL parser drops or encodes control characters, so the URL followed would not be the one given; and a NUL
  // cannot even be stored as the checkpoint.
  if (CONTROL_CHARACTER.test(v)) return { ok: false, reason: 'meta.next_page_url contains a control character' };
  const problem = foreignUrlProblem(v, ctx.origin);
  if (problem) return { ok: false, reason: `meta.next_page_url ${problem}` };
  if (ctx.url !== undefined && v === ctx.url) return { ok: false, reason: 'meta.next_page_url points at the page itself' };
  return { ok: true, value: v };
}

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Why `url` must not be sent our credentials, or null when it is on `origin`. */
export function foreignUrlProblem(url: string, origin: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not an absolute URL';
  }
  if (u.username !== '' || u.password !== '') return 'carries credentials';
  if (u.origin !== origin) return `is on another origin (${u.origin}, expected ${origin})`;
  return null;
}
