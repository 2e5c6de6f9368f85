/**
 * Consumer of the mirror's user-changed events (CloudEvents on a Redis Stream), for any Node service.
 *
 * Delivery is AT LEAST ONCE: an entry is acknowledged only after the handler resolved, so a crash, a lost ack
 * or a claim of a slow consumer's entry delivers it again. For exactly-once effects, dedupe by the event `id`
 * (stable across re-publication), or store the last applied `sequence` with your data and skip anything at or
 * below it. See README.md.
 */
export { UserEventsConsumer } from './user-events.consumer';
export type {
  ConsumerLogger,
  LogFn,
  StreamEntryInfo,
  UserEventHandler,
  UserEventsConsumerOptions,
} from './consumer-options.types';
export type { CloudEventJson, MirrorUserJson, UserEventData, UserEventOp } from './user-event.types';
export { MalformedEntryError, parseUserEvent } from './parse-user-event';
