import { hostname } from 'node:os';
import { Pool } from 'pg';
import { UserEventsConsumer } from '@twilio-mirror/user-events-consumer';
import { applyUserEvent, SCHEMA } from './apply-user-event';

const db = new Pool({ connectionString: process.env.DATABASE_URL });
db.on('error', (e) => console.error('idle database connection failed:', e.message)); // the pool replaces it

const consumer = new UserEventsConsumer({
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  stream: process.env.EVENTS_STREAM ?? '{mirror}:user-events',
  group: 'crm-sync', // one group per application: every group sees every event
  consumer: hostname(), // stable across restarts, so a restarted consumer resumes its own pending entries
  startFrom: '0', // a group this creates reads the retained stream from its start; the dedupe skips what was applied
  handler: (event) => applyUserEvent(db, event),
});

async function main(): Promise<void> {
  await db.query(SCHEMA);
  await consumer.start();
  console.log('consuming');
}

process.once('SIGTERM', () => {
  // Lets the event in flight finish and be acknowledged, then closes what is open.
  consumer
    .stop()
    .then(() => db.end())
    .then(() => process.exit(0), () => process.exit(1));
});

main().catch((e: unknown) => {
  console.error('could not start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
