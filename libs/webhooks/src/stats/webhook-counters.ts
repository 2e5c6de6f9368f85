/**
 * What happened to an account's webhooks, counted by every process into one Redis hash per account:
 * - on the api role, per request: `received`, then one of `rejected` (403: no or bad signature), `ignored` (200:
 *   an account, service or event the mirror does not follow, or no user named), `queued` (a fetch of the user is
 *   now waiting), `coalesced` (merged into the user's fetch already waiting, or kept to run once the running one
 *   ends), `unrecorded` (503: Redis did not take the hint in time);
 * - on the worker role, per fetch job: `applied` (a fetch's result went through the writer; with `created`,
 *   `updated`, `deleted`, `unchanged`, `stale` for what it found), `paced` (a hot user's fetch was put off),
 *   `throttled` (429: the fetch waits and is tried again), `fetch_failures` (the hint was given up: retries spent,
 *   credentials refused).
 */
export const WEBHOOK_COUNTERS = [
  'received',
  'rejected',
  'ignored',
  'queued',
  'coalesced',
  'unrecorded',
  'applied',
  'created',
  'updated',
  'deleted',
  'unchanged',
  'stale',
  'paced',
  'throttled',
  'fetch_failures',
] as const;

export type WebhookCounter = (typeof WEBHOOK_COUNTERS)[number];
export type WebhookCounts = Record<WebhookCounter, number>;

/** The bucket of requests that named no configured account (anyone can send those: one bucket, not one key each). */
export const OTHER_ACCOUNTS = 'other';

export function zeroCounts(): WebhookCounts {
  return Object.fromEntries(WEBHOOK_COUNTERS.map((c) => [c, 0])) as WebhookCounts;
}
