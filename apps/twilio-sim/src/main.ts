/**
 * CLI entry: `node dist/apps/twilio-sim/src/main.js`. Configured by SIM_PORT, SIM_HOST, SIM_SEED,
 * SIM_SERVICES, SIM_MAX_IN_FLIGHT, SIM_RETRY_AFTER, SIM_LATENCY_MS, SIM_LATENCY_JITTER_MS,
 * SIM_FAULT_5XX_RATE, SIM_FAULT_TRUNCATE_RATE, SIM_ADMIN_TOKEN (see config/sim-env.parser.ts).
 */
import { SimEnvError, parseSimEnv } from './config/sim-env.parser';
import { startSimulator } from './start-simulator';

async function main(): Promise<void> {
  let options;
  try {
    options = parseSimEnv(process.env);
  } catch (error) {
    if (!(error instanceof SimEnvError)) throw error;
    process.stderr.write(`twilio-sim: invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
  const sim = await startSimulator(options);
  // One line for log collectors; the credentials' token never appears in logs.
  process.stdout.write(
    `${JSON.stringify({
      level: 'info',
      msg: 'twilio-sim listening',
      url: sim.url,
      host: options.host,
      port: sim.port,
      accountSid: sim.accountSid,
      services: sim.serviceSids,
    })}\n`,
  );
  const stop = (): void => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`twilio-sim: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
