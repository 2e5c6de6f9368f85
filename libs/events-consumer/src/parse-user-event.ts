import type { CloudEventJson, UserEventOp } from './user-event.types';

/** The entry cannot be a user event, so no retry can help: it goes straight to the dead-letter stream. */
export class MalformedEntryError extends Error {
  override readonly name = 'MalformedEntryError';
}

const OPS: readonly UserEventOp[] = ['created', 'updated', 'deleted'];

/** Redis returns an entry's fields as a flat `[name, value, …]` list; the first occurrence of `field` wins. */
export function entryField(fields: readonly string[], field: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === field) return fields[i + 1];
  return undefined;
}

/**
 * Checks only what a consumer relies on (identity, order, `data`'s shape), so a producer may add
 * attributes without breaking consumers.
 */
export function parseUserEvent(fields: readonly string[], field: string): CloudEventJson {
  const raw = entryField(fields, field);
  if (raw === undefined) throw new MalformedEntryError(`no "${field}" field`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    throw new MalformedEntryError(`"${field}" is not JSON: ${(e as Error).message}`);
  }
  if (!isObject(value)) throw new MalformedEntryError(`"${field}" is not a JSON object`);
  if (value.specversion !== '1.0') throw new MalformedEntryError('specversion is not "1.0"');
  for (const attr of ['id', 'source', 'type', 'subject', 'time'] as const) {
    if (typeof value[attr] !== 'string' || value[attr] === '') throw new MalformedEntryError(`${attr} is missing`);
  }
  const sequence = normalizeSequence(value.sequence);
  const data = value.data;
  if (!isObject(data)) throw new MalformedEntryError('data is not an object');
  if (!OPS.includes(data.op as UserEventOp)) throw new MalformedEntryError('data.op is not created, updated or deleted');
  if (!isObjectOrNull(data.before) || !isObjectOrNull(data.after)) {
    throw new MalformedEntryError('data.before or data.after is neither an object nor null');
  }
  if (!Array.isArray(data.changed) || !data.changed.every((f) => typeof f === 'string')) {
    throw new MalformedEntryError('data.changed is not a list of field names');
  }
  return {
    ...value,
    sequence,
    // JSON data implies this content type when a producer leaves it out (CloudEvents JSON format 3.1).
    datacontenttype: typeof value.datacontenttype === 'string' ? value.datacontenttype : 'application/json',
  } as unknown as CloudEventJson;
}

/** The sequence extension is a string, but a producer emitting a JSON integer is accepted and normalized. */
function normalizeSequence(sequence: unknown): string {
  if (typeof sequence === 'string' && /^\d+$/.test(sequence)) return sequence;
  if (typeof sequence === 'number' && Number.isSafeInteger(sequence) && sequence >= 0) return String(sequence);
  throw new MalformedEntryError('sequence is not a non-negative integer');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isObjectOrNull(v: unknown): boolean {
  return v === null || isObject(v);
}
