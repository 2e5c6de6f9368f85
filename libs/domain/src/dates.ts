/** Twilio's own format: second precision, `Z`. */
const TWILIO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

export function normalizeDate(value: string | Date | null): string | null {
  if (value === null) return null;
  if (typeof value === 'string' && TWILIO_DATE.test(value)) return value; // already in Twilio's format
  const d = value instanceof Date ? value : new Date(value);
  return d.toISOString().replace(/\.000Z$/, 'Z');
}
