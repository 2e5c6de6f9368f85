import { entryFields, sequenceOfStreamId } from '@app/events';
import Redis from 'ioredis';

export interface StreamedEvent {
  streamId: string;
  sequence: string;
  fields: Record<string, string>;
  event: Record<string, any>;
}

/** Every entry of the stream, oldest first, with its CloudEvent parsed. */
export async function readStream(redis: Redis, stream: string): Promise<StreamedEvent[]> {
  const out: StreamedEvent[] = [];
  let start = '-';
  for (;;) {
    const entries = await redis.xrange(stream, start, '+', 'COUNT', 5000);
    for (const [id, flat] of entries) {
      const fields = entryFields(flat);
      out.push({ streamId: id, sequence: sequenceOfStreamId(id), fields, event: JSON.parse(fields.event) });
    }
    if (entries.length < 5000) return out;
    start = `(${entries[entries.length - 1][0]}`;
  }
}
