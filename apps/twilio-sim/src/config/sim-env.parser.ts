import type { RetryAfterMode } from './sim-behavior';
import { parseServicesSpec } from './services-spec';
import type { SimulatorOptions } from './simulator-options';
import { BULK_MAX_COUNT } from './sim.constants';

/** A bad SIM_* variable; the message names it so the operator knows what to fix. */
export class SimEnvError extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the SIM_* variables (see main.ts); throws SimEnvError naming the first invalid one. */
export function parseSimEnv(env: Env): SimulatorOptions {
  const services = text(env, 'SIM_SERVICES');
  const parsedServices = services === undefined ? [] : parseServicesSpec(services);
  if (parsedServices === null || parsedServices.some((g) => g.usersPerService > BULK_MAX_COUNT)) {
    throw new SimEnvError(`SIM_SERVICES must look like "3x2000" (services x users, at most ${BULK_MAX_COUNT} users each), got "${services}"`);
  }
  return {
    port: integer(env, 'SIM_PORT', 4010, 0, 65535),
    host: text(env, 'SIM_HOST') ?? '127.0.0.1',
    seed: integer(env, 'SIM_SEED', 1, -2147483648, 4294967295),
    services: parsedServices,
    maxInFlightPerAccount: integer(env, 'SIM_MAX_IN_FLIGHT', 0, 0, 1_000_000),
    retryAfter: retryAfter(env),
    latencyMs: integer(env, 'SIM_LATENCY_MS', 0, 0, 600_000),
    latencyJitterMs: integer(env, 'SIM_LATENCY_JITTER_MS', 0, 0, 600_000),
    fault5xxRate: rate(env, 'SIM_FAULT_5XX_RATE'),
    faultTruncateRate: rate(env, 'SIM_FAULT_TRUNCATE_RATE'),
    adminToken: text(env, 'SIM_ADMIN_TOKEN'),
  };
}

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < min || value > max) {
    throw new SimEnvError(`${name} must be an integer in ${min}..${max}, got "${raw}"`);
  }
  return value;
}

function rate(env: Env, name: string): number {
  const raw = text(env, name);
  if (raw === undefined) return 0;
  const value = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw) || value > 1) throw new SimEnvError(`${name} must be a number in 0..1, got "${raw}"`);
  return value;
}

function retryAfter(env: Env): RetryAfterMode {
  const raw = text(env, 'SIM_RETRY_AFTER');
  if (raw === undefined || raw === 'none') return 'none';
  if (raw === 'http-date') return 'http-date';
  if (/^\d{1,6}$/.test(raw)) return Number(raw);
  throw new SimEnvError(`SIM_RETRY_AFTER must be "none", "http-date" or a number of seconds, got "${raw}"`);
}
