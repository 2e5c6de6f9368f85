/**
 * The shape of one Redis Stream entry the relay writes; consumers read the same names from here.
 * The entry id is `<sequence>-0`, so stream order is the outbox's sequence order and a re-publish of
 * an event is refused by Redis (ids must grow), which makes the stream hold each event at most once.
 */
export const STREAM_FIELDS = {
  /** The CloudEvent, structured JSON. */
  event: 'event',
  /** Its `type`, so a consumer can skip events without parsing them. */
  type: 'type',
  /** Its `id`. */
  id: 'id',
} as const;

export function streamId(sequence: string): string {
  return `${sequence}-0`;
}

export function sequenceOfStreamId(id: string): string {
  return id.slice(0, id.indexOf('-'));
}

/** A stream entry's flat [field, value, field, value…] list as an object. */
export function entryFields(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}
