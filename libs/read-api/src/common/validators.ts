import { registerDecorator, ValidationOptions } from 'class-validator';

export const MAX_ATTRIBUTES_FILTER_LENGTH = 2048;

/**
 * A JSON object that jsonb can hold, in at most MAX_ATTRIBUTES_FILTER_LENGTH characters. The text goes to
 * Postgres as given (a round trip through JavaScript numbers would round big ones), so everything jsonb
 * refuses and JSON.parse accepts is refused here: NUL, unpaired surrogates, numbers past numeric's range.
 */
export function jsonObjectProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a JSON object, e.g. {"plan":"pro"}';
  if (value.length > MAX_ATTRIBUTES_FILTER_LENGTH) return `must be at most ${MAX_ATTRIBUTES_FILTER_LENGTH} characters`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return 'must be valid JSON, e.g. {"plan":"pro"}';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'must be a JSON object, e.g. {"plan":"pro"}';
  if (value.includes('\u0000') || /\\u0000/i.test(value)) return 'cannot contain a NUL character';
  if (!stringsWellFormed(parsed)) return 'cannot contain an unpaired UTF-16 surrogate';
  if (/[eE][+-]?\d{4,}/.test(value)) return 'has a number out of range';
  return null;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function stringsWellFormed(v: unknown): boolean {
  if (typeof v === 'string') return !LONE_SURROGATE.test(v);
  if (Array.isArray(v)) return v.every(stringsWellFormed);
  if (v !== null && typeof v === 'object') return Object.entries(v).every(([k, x]) => !LONE_SURROGATE.test(k) && stringsWellFormed(x));
  return true;
}

export function IsJsonObjectText(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isJsonObjectText',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => jsonObjectProblem(value) === null,
        defaultMessage: (args) => `${args?.property} ${jsonObjectProblem(args?.value)}`,
      },
    });
}

// Postgres' timestamptz reaches year 294276, JavaScript's Date 275760; this is far inside both.
const MIN_TIME = Date.UTC(1970, 0, 1);
const MAX_TIME = Date.UTC(10000, 0, 1);

/** An ISO 8601 date-time with a time zone (or a date), between 1970 and 9999. */
export function timestampProblem(value: unknown): string | null {
  const usage = 'must be an ISO 8601 date-time such as 2025-11-27T10:00:00Z';
  if (typeof value !== 'string' || value.length > 40) return usage;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2}):?(\d{2})))?$/i.exec(value);
  if (!m) return usage;
  // Date.parse rolls 2025-02-30 over into March and takes 24:00: a calendar check first.
  const [y, mo, d, h = '0', mi = '0', sec = '0', oh = '0', om = '0'] = m.slice(1);
  const daysInMonth = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > daysInMonth) return usage;
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59 || Number(oh) > 14 || Number(om) > 59) return usage;
  const t = Date.parse(value.replace(' ', 'T'));
  if (Number.isNaN(t)) return usage;
  if (t < MIN_TIME || t >= MAX_TIME) return 'must be between 1970 and 9999';
  return null;
}

export function IsMirrorTimestamp(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isMirrorTimestamp',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => timestampProblem(value) === null,
        defaultMessage: (args) => `${args?.property} ${timestampProblem(args?.value)}`,
      },
    });
}
