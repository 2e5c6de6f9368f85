import type { CloudEventJson, StreamEntryInfo } from '@app/events-consumer';

/**
 * What the example logs of an event: names of changed fields, never their values, since users' attributes and
 * names are customer data that has no place in log storage.
 */
export function eventSummary(event: CloudEventJson, entry: StreamEntryInfo) {
  return {
    op: event.data.op,
    user: event.subject,
    changed: event.data.changed,
    sequence: event.sequence,
    id: event.id,
    deliveries: entry.deliveries,
  };
}
