/**
 * A relay-only process for the crash tests: the built EventsRelayModule (dist/, `npm test` builds it) in a
 * Nest context of its own, configured by the service's environment variables.
 * RELAY_CRASH_AFTER_PUBLISHES=k: SIGKILL itself right after its k-th XADD pipeline, before marking it.
 */
require('reflect-metadata');
const path = require('node:path');
const { Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');

const DIST = path.resolve(__dirname, '../../../dist/libs');
const { ConfigModule, loadConfig } = require(`${DIST}/config/src`);
const { createRootLogger, LoggerModule } = require(`${DIST}/logger/src`);
const { QueueModule } = require(`${DIST}/queue/src`);
const { EventsRelayModule, StreamPublisher } = require(`${DIST}/events/src`);

const crashAfter = Number(process.env.RELAY_CRASH_AFTER_PUBLISHES ?? 0);
if (crashAfter > 0) {
  const publish = StreamPublisher.prototype.publish;
  let calls = 0;
  StreamPublisher.prototype.publish = async function (...args) {
    const outcome = await publish.apply(this, args);
    if (++calls >= crashAfter) process.kill(process.pid, 'SIGKILL');
    return outcome;
  };
}

async function main() {
  const config = loadConfig(process.env);
  class RelayProcess {}
  Module({
    imports: [
      ConfigModule.forRoot(config),
      LoggerModule.forRoot(createRootLogger(config.logLevel, 'relay')),
      QueueModule,
      EventsRelayModule.withOptions({ batchSize: Number(process.env.RELAY_BATCH ?? 50), idlePollMs: 50, followerPollMs: 100 }),
    ],
  })(RelayProcess);
  const app = await NestFactory.createApplicationContext(RelayProcess, { logger: false });
  app.enableShutdownHooks();
  process.stdout.write('relay started\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
