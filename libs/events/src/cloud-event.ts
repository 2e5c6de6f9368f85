import { CloudEvent } from 'cloudevents';
import { eventSource, UserChange } from './user-change';
import type { RelayRow, UserEventRow } from './user-event-row';

/** The CloudEvent attributes this service sets; `sequence` is the CloudEvents sequence extension. */
export type UserChangedCloudEvent = CloudEvent<UserChange> & { sequence: string };

/**
 * Builds the structured-mode CloudEvent of an outbox row. Validation is off (strict = false): the relay
 * builds tens of thousands a second from rows this service wrote itself, and the package's ajv pass would
 * dominate that; cloud-event.spec.ts proves the output validates.
 */
export function toCloudEvent<D = UserChange>(row: UserEventRow<D>): CloudEvent<D> & { sequence: string } {
  return new CloudEvent<D>(
    {
      specversion: '1.0',
      id: row.id,
      source: eventSource(row.account_sid, row.service_sid),
      type: row.type,
      subject: row.user_sid,
      time: row.time.toISOString(),
      datacontenttype: 'application/json',
      sequence: row.sequence,
      data: row.data,
    },
    false,
  ) as CloudEvent<D> & { sequence: string };
}

/**
 * The CloudEvents structured JSON of a row whose `data` is still Postgres's JSON text. The envelope is the
 * package's; `data` is spliced in as is, since parsing it only to print it again would double the relay's
 * cost per event. The result equals JSON.stringify(toCloudEvent(parsed row)) as a JSON value.
 */
export function toStructuredJson(row: RelayRow): string {
  const envelope = JSON.stringify(toCloudEvent({ ...row, data: undefined }));
  return `${envelope.slice(0, -1)},"data":${row.data}}`;
}
