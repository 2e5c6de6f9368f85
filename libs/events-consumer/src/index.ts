/**
 * Consumer of the mirror's user-changed events (CloudEvents on a Redis Stream), for any Node service.
 *
 * Delivery is AT LEAST ONCE: an entry is acknowledged only after the handler resolved, so a crash, a lost ack,
 * a claim of a slow consumer's entry, a consumer group recreated after Redis lost it, or a dead-letter replay
 * delivers it again, with the same event `id`. For exactly-once effects, record the `id` in the same transaction
 * as the effect and skip ids already recorded. See README.md.
 */
export { UserEventsConsumer } from './user-events.consumer';
export { replayDeadLetters } from './dead-letter-replay';
export type { DeadLetterReplayResult, ReplayDeadLettersOptions } from './dead-letter-replay';
export type {
  ConsumerLogger,
  LogFn,
  StreamEntryInfo,
  UserEventHandler,
  UserEventsConsumerOptions,
} from './consumer-options.types';
export type { CloudEventJson, MirrorUserJson, UserEventData, UserEventOp } from './user-event.types';
export { MalformedEntryError, parseUserEvent } from './parse-user-event';
