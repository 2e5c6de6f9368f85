import { TwilioError } from '@app/twilio';

/** A retryable fault that kept coming back past the configured number of retries. */
export class RetriesExhaustedError extends Error {
  constructor(readonly last: TwilioError, retries: number) {
    super(`gave up after ${retries} retries: ${last.message}`);
    this.name = 'RetriesExhaustedError';
  }
}

/** Short, secret-free text for sync_runs.error and logs. */
export function describeError(e: unknown): string {
  if (e instanceof TwilioError) return `${e.name}${e.status ? ` ${e.status}` : ''}${e.code ? `/${e.code}` : ''}: ${e.message}`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
