/** A call that could not finish in time (Redis or Postgres away): the webhook is answered without it. */
export class DeadlineExceeded extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * `p`, or DeadlineExceeded after `ms`. The shared Redis connection queues commands while Redis is away (BullMQ
 * needs that) and a pooled Postgres query can wait for a connection: without a deadline the answer to Twilio
 * would wait as long as the outage. The call itself is not cancelled.
 */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new DeadlineExceeded(what, ms)), ms)));
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
