import { Pool } from 'pg';
import { replayDeadLetters } from '@twilio-mirror/user-events-consumer';
import { applyUserEvent, SCHEMA } from './apply-user-event';

const stream = process.env.EVENTS_STREAM ?? '{mirror}:user-events';
const db = new Pool({ connectionString: process.env.DATABASE_URL });
db.on('error', (e) => console.error('idle database connection failed:', e.message));

async function main(): Promise<void> {
  await db.query(SCHEMA);
  // The consumer's own handler, dedupe included. Each dead letter is deleted once handled; nothing is written
  // to the events stream.
  const result = await replayDeadLetters({
    redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    deadLetterStream: `${stream}:dead`,
    handler: (event) => applyUserEvent(db, event),
  });
  console.log(JSON.stringify(result));
  // Whatever failed or is not an event stays in the dead-letter stream.
  process.exitCode = result.failed.length + result.malformed.length ? 1 : 0;
}

main()
  .catch((e: unknown) => {
    console.error('replay failed:', e instanceof Error ? e.message : e);
    process.exitCode = 1;
  })
  .finally(() => db.end());
