/**
 * `p`, or `onTimeout()`'s error after `ms`. For calls on the shared Redis connection, which queues commands
 * while Redis is away (BullMQ's workers need that) instead of failing them: without a deadline a request would
 * hang for as long as the outage. The call itself is not cancelled.
 */
export function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms)));
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
