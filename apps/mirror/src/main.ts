import 'reflect-metadata';
import { ConfigError, loadConfig } from '@app/config';
import { startMirror } from './bootstrap';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      // Before the logger exists: a plain line a person can read, and a non-zero exit.
      console.error(e.message);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  await startMirror(config);
}

main().catch((e) => {
  console.error(`mirror failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
