import { hostname } from 'node:os';

/**
 * The consumer's name in its group: CONSUMER_NAME, else the hostname. It must stay the same across restarts,
 * since a consumer resumes only the pending entries of its own name (others wait for claimIdleMs to be claimed);
 * a pid in it would change on every start. Processes sharing a host need a CONSUMER_NAME each.
 */
export function consumerName(env: NodeJS.ProcessEnv, host = hostname()): string {
  return env.CONSUMER_NAME || host;
}
