import pino from 'pino';
import { UserEventsConsumer } from '@app/events-consumer';
import { consumerName } from './consumer-name';
import { eventSummary } from './event-summary';

/**
 * A runnable consumer of the mirror's user-changed events: one log line per event.
 *   REDIS_URL (redis://127.0.0.1:6379), EVENTS_STREAM ({mirror}:user-events), CONSUMER_GROUP (example),
 *   CONSUMER_NAME (<hostname>), CONSUMER_START_FROM ($ | 0, for a group this run creates), LOG_LEVEL (info)
 */
async function main(): Promise<void> {
  const env = process.env;
  const log = pino({ name: 'example-consumer', level: env.LOG_LEVEL ?? 'info', timestamp: pino.stdTimeFunctions.isoTime });
  const startFrom = env.CONSUMER_START_FROM ?? '$';
  if (startFrom !== '$' && startFrom !== '0') throw new Error('CONSUMER_START_FROM must be "$" or "0"');

  const consumer = new UserEventsConsumer({
    redis: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    stream: env.EVENTS_STREAM ?? '{mirror}:user-events',
    group: env.CONSUMER_GROUP ?? 'example',
    consumer: consumerName(env),
    startFrom,
    logger: log,
    handler: async (event, entry) => log.info(eventSummary(event, entry), 'user event'),
  });

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal means the operator will not wait for the handler in flight.
      log.warn({ signal }, 'forced exit');
      process.exit(130);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    consumer.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error({ err: e instanceof Error ? e.message : String(e) }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  await consumer.start();
}

main().catch((e: unknown) => {
  console.error(`example-consumer failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
