import { PUBLISHED_CHANNEL } from '@app/events';
import { DataSource } from 'typeorm';

/**
 * What the relay does once events are on the stream, for feed tests that run without one: moves the published
 * watermark to the last assigned sequence and NOTIFYs it. Returns the watermark.
 */
export async function markAllPublished(ds: DataSource): Promise<string> {
  await ds.query('UPDATE relay_state SET published_through = (SELECT last FROM event_sequence)');
  const [{ through }] = await ds.query('SELECT published_through::text AS through FROM relay_state');
  await ds.query('SELECT pg_notify($1, $2)', [PUBLISHED_CHANNEL, through]);
  return through;
}
