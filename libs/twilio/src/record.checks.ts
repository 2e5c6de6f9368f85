/*
 * Field checks shared by the record parsers. They run on every field of every user of every crawl, so they are
 * plain typeof tests and precompiled regexes; each returns the normalized value or BAD.
 */

export const BAD: unique symbol = Symbol('bad field');
export type Checked<T> = T | typeof BAD;

// Field ranges are in the regex so no Date.parse is needed (it costs as much as the rest of a user's checks).
const ISO_DATE =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)?)?$/;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Missing and null both become null: every Twilio field is nullable and new API versions may drop fields. */
export function nullableString(v: unknown): Checked<string | null> {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : BAD;
}

export function nullableBoolean(v: unknown): Checked<boolean | null> {
  if (v === null || v === undefined) return null;
  return typeof v === 'boolean' ? v : BAD;
}

export function nullableSid(v: unknown, isSid: (s: unknown) => boolean): Checked<string | null> {
  if (v === null || v === undefined) return null;
  return isSid(v) ? (v as string) : BAD;
}

/** An ISO 8601 date(-time) string as Twilio writes it, kept verbatim. */
export function nullableIsoDate(v: unknown): Checked<string | null> {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' && ISO_DATE.test(v) && dayExists(v) ? v : BAD;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * What the regex cannot say: that the day exists in its month (February 30 would fail the whole page's
 * statement in Postgres, or be rolled over to March 1 by a JavaScript Date) and that the year is not 0000.
 */
function dayExists(v: string): boolean {
  const year = Number(v.slice(0, 4));
  const month = Number(v.slice(5, 7));
  const day = Number(v.slice(8, 10));
  if (year === 0) return false;
  if (day <= 28) return true;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]);
}

/** Twilio's `attributes` is a JSON *string*; it must parse because the mirror stores it as jsonb. */
export function nullableJsonString(v: unknown): Checked<string | null> {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') return BAD;
  if (v === '{}') return v; // Twilio's value for "no attributes", i.e. most users
  try {
    JSON.parse(v);
  } catch {
    return BAD;
  }
  return v;
}

/** A uri-map; a non-string entry is dropped rather than costing the whole record. */
export function nullableLinks(v: unknown): Checked<Record<string, string> | null> {
  if (v === null || v === undefined) return null;
  if (!isPlainObject(v)) return BAD;
  for (const k in v) {
    if (typeof v[k] !== 'string') return onlyStrings(v);
  }
  return v as Record<string, string>;
}

function onlyStrings(v: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in v) if (typeof v[k] === 'string') out[k] = v[k] as string;
  return out;
}
