/**
 * A plain Node script of another project (copied into a scratch project that installed the packed consumer):
 * consumes EXPECT events from EVENTS_STREAM with the package, then prints what its handler saw as JSON and exits.
 */
const { UserEventsConsumer } = require('@twilio-mirror/user-events-consumer');

const expected = Number(process.env.EXPECT);
const seen = [];
const consumer = new UserEventsConsumer({
  redis: process.env.REDIS_URL,
  stream: process.env.EVENTS_STREAM,
  group: 'plain-node',
  consumer: 'plain-1',
  startFrom: '0',
  blockMs: 200,
  handler: async (event, entry) => {
    seen.push({ id: event.id, sequence: event.sequence, type: event.type, subject: event.subject, entryId: entry.id });
  },
});

consumer.start().then(
  () => {
    const timer = setInterval(() => {
      if (seen.length < expected) return;
      clearInterval(timer);
      consumer.stop().then(() => process.stdout.write(JSON.stringify(seen)));
    }, 20);
  },
  (e) => {
    console.error(`could not start: ${e.message}`);
    process.exit(1);
  },
);
