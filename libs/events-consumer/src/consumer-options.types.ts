import type Redis from 'ioredis';
import type { CloudEventJson } from './user-event.types';

/** Where a delivered event sits on the stream. */
export interface StreamEntryInfo {
  /** The stream entry id, `<sequence>-0` for entries written by the mirror's relay. */
  id: string;
  /** How many times Redis has delivered this entry to the group, this delivery included (1 on the first). */
  deliveries: number;
  /** Set when replayDeadLetters hands the event again: the id of its dead-letter entry. */
  deadLetterId?: string;
}

export type UserEventHandler = (event: CloudEventJson, entry: StreamEntryInfo) => Promise<void>;

/** Pino's `(obj, msg)` call shape, which `console` also accepts. */
export type LogFn = (obj: Record<string, unknown>, msg: string) => void;

export interface ConsumerLogger {
  debug?: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export interface UserEventsConsumerOptions {
  /** A connection (left open on stop; a duplicate of it does the blocking reads) or a redis:// URL. */
  redis: Redis | string;
  stream: string;
  group: string;
  /** This consumer's name within the group; reuse it across restarts to resume its own pending entries. */
  consumer: string;
  /** Must resolve for the entry to be acknowledged; a rejection gets the entry redelivered. */
  handler: UserEventHandler;
  /** Entries per read. Default 50. */
  batchSize?: number;
  /** How long one read waits for new entries. Default 5000. */
  blockMs?: number;
  /** Handler attempts before an entry is dead-lettered. Default 5. */
  maxDeliveries?: number;
  /**
   * Pending entries idle this long are claimed from their consumer, presumed dead. Must exceed the slowest
   * handler, or a live consumer's entry is claimed and handled twice. Default 30000.
   */
  claimIdleMs?: number;
  /** How often to look for such entries. Default half of claimIdleMs, at most 10000. */
  claimIntervalMs?: number;
  /** First wait before a failed entry is redelivered; doubles per delivery, capped below claimIdleMs. Default 500. */
  retryDelayMs?: number;
  /** Default `${stream}:dead`, which keeps the stream's hash tag. */
  deadLetterStream?: string;
  /**
   * Where a group that start() creates begins: `$` (only new events, the default) or `0` (the whole retained
   * stream). A group found gone while consuming (NOGROUP) is recreated at `0` whatever this says.
   */
  startFrom?: '$' | '0';
  /** The entry field holding the CloudEvent's structured JSON. Default `event`. */
  field?: string;
  /** Default: warnings and errors to the console. */
  logger?: ConsumerLogger;
}
