/** One entry as read from the group; `fields` is null when the entry was trimmed or deleted after delivery. */
export interface DeliveredEntry {
  id: string;
  fields: string[] | null;
  deliveries: number;
}

/** XREADGROUP's reply for one stream. */
export type StreamReply = [key: string, entries: [id: string, fields: string[] | null][]][] | null;

export function toEntries(reply: StreamReply, deliveries: number): DeliveredEntry[] {
  return (reply?.[0]?.[1] ?? []).map(([id, fields]) => ({ id, fields, deliveries }));
}

/**
 * A dead letter keeps the original fields untouched, so it can be replayed as is, and adds `meta`; an original
 * field of the same name as a meta field gives way.
 */
export function deadLetterFields(original: string[] | null, meta: Record<string, string>): string[] {
  const fields: string[] = [];
  const o = original ?? [];
  for (let i = 0; i + 1 < o.length; i += 2) if (!(o[i] in meta)) fields.push(o[i], o[i + 1]);
  for (const [k, v] of Object.entries(meta)) fields.push(k, v);
  return fields;
}
