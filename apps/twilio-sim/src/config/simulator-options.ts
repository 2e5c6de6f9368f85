import { BULK_MAX_COUNT } from './sim.constants';
import { DEFAULT_BEHAVIOR, behaviorProblem, type SimBehavior } from './sim-behavior';
import { parseServicesSpec, type ServiceSeedSpec } from './services-spec';

/** Options of startSimulator; they mirror the SIM_* environment variables of main.ts. */
export interface SimulatorOptions extends Partial<SimBehavior> {
  /** 0 (the default in-process) picks a free port. */
  port?: number;
  /** Default 127.0.0.1; docker uses 0.0.0.0. */
  host?: string;
  /** Default 1. Same seed → same sids, users and random faults. */
  seed?: number;
  /** Services seeded on the default account, e.g. `3x2000` or [{services: 3, usersPerService: 2000}]. */
  services?: string | readonly ServiceSeedSpec[];
  /** When set, /admin requires `Authorization: Bearer <adminToken>`. */
  adminToken?: string;
}

/** SimulatorOptions with every default applied and every value checked. */
export interface SimulatorConfig {
  port: number;
  host: string;
  seed: number;
  services: readonly ServiceSeedSpec[];
  adminToken: string | null;
  behavior: SimBehavior;
}

export function resolveSimulatorConfig(options: SimulatorOptions = {}): SimulatorConfig {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('port must be an integer in 0..65535');
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed)) throw new Error('seed must be an integer');
  const services = typeof options.services === 'string' ? parseServicesSpec(options.services) : [...(options.services ?? [])];
  if (services === null) throw new Error(`services must look like "3x2000" (got "${String(options.services)}")`);
  for (const group of services) {
    if (group.usersPerService > BULK_MAX_COUNT) throw new Error(`services: at most ${BULK_MAX_COUNT} users per service`);
  }
  const behavior: SimBehavior = {
    maxInFlightPerAccount: options.maxInFlightPerAccount ?? DEFAULT_BEHAVIOR.maxInFlightPerAccount,
    retryAfter: options.retryAfter ?? DEFAULT_BEHAVIOR.retryAfter,
    latencyMs: options.latencyMs ?? DEFAULT_BEHAVIOR.latencyMs,
    latencyJitterMs: options.latencyJitterMs ?? DEFAULT_BEHAVIOR.latencyJitterMs,
    fault5xxRate: options.fault5xxRate ?? DEFAULT_BEHAVIOR.fault5xxRate,
    faultTruncateRate: options.faultTruncateRate ?? DEFAULT_BEHAVIOR.faultTruncateRate,
  };
  const problem = behaviorProblem(behavior);
  if (problem) throw new Error(problem);
  return {
    port,
    host: options.host ?? '127.0.0.1',
    seed,
    services,
    adminToken: options.adminToken ? options.adminToken : null,
    behavior,
  };
}
