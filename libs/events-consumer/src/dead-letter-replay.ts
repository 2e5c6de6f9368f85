import Redis from 'ioredis';
import type { ConsumerLogger, StreamEntryInfo, UserEventHandler } from './consumer-options.types';
import { entryField, MalformedEntryError, parseUserEvent } from './parse-user-event';

export interface ReplayDeadLettersOptions {
  /** A connection (left open) or a redis:// URL (opened for the call and closed after). */
  redis: Redis | string;
  /** The dead-letter stream, `${stream}:dead` unless the consumer was given another. */
  deadLetterStream: string;
  /** Usually the consumer's own handler, dedupe included. */
  handler: UserEventHandler;
  /** Only these dead-letter entry ids (as XRANGE on the dead-letter stream shows them). Default: every entry. */
  ids?: string[];
  /** At most this many entries handled (successfully or not) in this call. Default: no limit. */
  limit?: number;
  /** The entry field holding the CloudEvent's JSON. Default `event`. */
  field?: string;
  /** Default: warnings and errors to the console. */
  logger?: ConsumerLogger;
}

export interface DeadLetterReplayResult {
  /** Dead-letter entry ids whose event the handler took, each then deleted from the dead-letter stream. */
  replayed: string[];
  /** Entries the handler rejected: left in the dead-letter stream, to try again. */
  failed: { id: string; error: string }[];
  /** Entries that hold no user event (the handler is not called): left in the dead-letter stream. */
  malformed: { id: string; error: string }[];
  /** Of `ids`, those not in the dead-letter stream (never there, or already replayed). */
  notFound: string[];
}

const PAGE = 100;

const consoleLogger: ConsumerLogger = {
  info: () => undefined,
  warn: (obj, msg) => console.warn(msg, obj),
  error: (obj, msg) => console.error(msg, obj),
};

/**
 * Hands dead-lettered events to `handler` again, oldest dead letter first, and deletes each dead-letter entry
 * (XDEL) once the handler resolved for it; one it rejects stays, and the replay goes on with the next.
 *
 * It never writes to the events stream: an entry added there by hand would get an id far above the relay's
 * `<sequence>-0` ids, and the relay would take every later event as already published. The handler receives
 * the event with `entry.id` = the entry's id on the events stream, `entry.deliveries` = its deliveries there + 1,
 * and `entry.deadLetterId`. A replay stopped between a handler and its XDEL (a crash, Redis lost) hands that event
 * again next time, and two replays run at once may both hand it: the handler's dedupe by event id makes that
 * harmless, as for any redelivery.
 */
export async function replayDeadLetters(options: ReplayDeadLettersOptions): Promise<DeadLetterReplayResult> {
  const { deadLetterStream, handler, ids } = options;
  if (typeof deadLetterStream !== 'string' || !deadLetterStream) throw new Error('replayDeadLetters: deadLetterStream is required');
  if (typeof handler !== 'function') throw new Error('replayDeadLetters: handler is required');
  if (ids !== undefined && (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && id))) {
    throw new Error('replayDeadLetters: ids must be a list of entry ids');
  }
  const limit = options.limit ?? Infinity;
  if (limit !== Infinity && (!Number.isInteger(limit) || limit < 1)) throw new Error('replayDeadLetters: limit must be a positive integer');
  const field = options.field ?? 'event';
  const log = options.logger ?? consoleLogger;

  const owns = typeof options.redis === 'string';
  const redis = typeof options.redis === 'string' ? new Redis(options.redis, { maxRetriesPerRequest: 1 }) : options.redis;
  // Failed commands reject the call; a listener keeps ioredis from printing each reconnect attempt.
  if (owns) redis.on('error', (e: Error) => log.debug?.({ err: e.message }, 'redis connection error'));

  const result: DeadLetterReplayResult = { replayed: [], failed: [], malformed: [], notFound: [] };
  let seen = 0;
  try {
    for await (const [id, fields] of ids ? byIds(redis, deadLetterStream, ids, result.notFound) : inOrder(redis, deadLetterStream)) {
      if (seen >= limit) break;
      seen++;
      let event;
      try {
        event = parseUserEvent(fields, field);
      } catch (e) {
        if (!(e instanceof MalformedEntryError)) throw e;
        result.malformed.push({ id, error: e.message });
        log.warn({ id, err: e.message }, 'dead-letter replay: entry holds no user event, left in place');
        continue;
      }
      const entry: StreamEntryInfo = {
        id: entryField(fields, 'original_id') ?? id,
        deliveries: (Number(entryField(fields, 'deliveries')) || 0) + 1,
        deadLetterId: id,
      };
      try {
        await handler(event, entry);
      } catch (e) {
        const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        result.failed.push({ id, error });
        log.warn({ id, originalId: entry.id, err: error }, 'dead-letter replay: handler failed, entry left in place');
        continue;
      }
      await redis.xdel(deadLetterStream, id);
      result.replayed.push(id);
    }
  } finally {
    if (owns) await redis.quit().catch(() => redis.disconnect());
  }
  log.info({ deadLetterStream, replayed: result.replayed.length, failed: result.failed.length, malformed: result.malformed.length }, 'dead-letter replay done');
  return result;
}

type Entry = [id: string, fields: string[]];

/** The whole dead-letter stream, a page at a time; entries deleted meanwhile are simply not met again. */
async function* inOrder(redis: Redis, stream: string): AsyncGenerator<Entry> {
  let start = '-';
  for (;;) {
    const page = (await redis.xrange(stream, start, '+', 'COUNT', PAGE)) as Entry[];
    yield* page;
    if (page.length < PAGE) return;
    start = `(${page[page.length - 1][0]}`;
  }
}

async function* byIds(redis: Redis, stream: string, ids: string[], notFound: string[]): AsyncGenerator<Entry> {
  for (const id of ids) {
    const [found] = (await redis.xrange(stream, id, id)) as Entry[];
    if (found) yield found;
    else notFound.push(id);
  }
}
