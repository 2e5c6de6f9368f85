/** Escapes LIKE's wildcards so client text is matched literally (the default ESCAPE is backslash). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Twilio's date format, second precision in UTC: 2019-12-16T22:18:37Z. */
export function twilioDateSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
}

/** ISO 8601 with milliseconds in UTC, for the mirror's own timestamps. */
export function isoDateSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
