/** How long a readiness check waits for a dependency: an orchestrator's probe must get an answer, not a hang. */
export const HEALTH_TIMEOUT_MS = 2000;

/** `p`, or a rejection with `message` after `ms` (the call itself is not cancelled). */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
