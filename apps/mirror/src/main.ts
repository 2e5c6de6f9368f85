import 'reflect-metadata';
import { ConfigError, loadConfig, loadDotEnv } from '@app/config';
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
        console.error(`shutdown after ${signal} failed: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((e) => {
  console.error(`mirror failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
