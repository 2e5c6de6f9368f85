import 'reflect-metadata';
import { ConfigError, loadConfig, loadDotEnv } from '@app/config';
import { redactRegisteredSecrets } from '@app/redaction';
import { startMirror } from './bootstrap';

async function main() {
  let config;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      // Before the logger exists: a plain line a person can read, and a non-zero exit.
      console.error(e.message);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  // Every connection has its error path; anything that still escapes is a bug. A promise nobody awaited is
  // logged and the service goes on; an exception nobody caught leaves state unknown: logged, exit non-zero.
  process.on('unhandledRejection', (reason) => {
    console.error(JSON.stringify({ level: 50, time: Date.now(), msg: 'unhandled promise rejection (a bug): the service goes on', error: describe(reason) }));
  });
  process.on('uncaughtException', (e) => {
    console.error(JSON.stringify({ level: 60, time: Date.now(), msg: 'uncaught exception (a bug): exiting', error: describe(e) }));
    process.exit(70); // EX_SOFTWARE
  });
  const mirror = await startMirror(config);
  // SIGTERM/SIGINT: crawls finish and commit the page in flight and hand their jobs back, then exit 0.
  // (Nest's enableShutdownHooks would re-raise the signal after closing, which reads as a crash.)
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    mirror.close().then(
      () => process.exit(0),
      (e) => {
        console.error(redactRegisteredSecrets(`shutdown after ${signal} failed: ${e instanceof Error ? e.message : String(e)}`));
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** The message only, secrets redacted: an error's own properties may carry what a library hung on it (a command, a secret). */
function describe(e: unknown): string {
  return redactRegisteredSecrets(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
}

main().catch((e) => {
  console.error(redactRegisteredSecrets(`mirror failed to start: ${e instanceof Error ? e.message : String(e)}`));
  process.exit(1);
});
