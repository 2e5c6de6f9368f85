import { loadConfig } from '@app/config';
import type { TwilioUser } from '@app/domain';
import type { Observation, WriteResult } from '@app/mirror-writer';
import { TwilioClient, TwilioError, UsersEnvelope } from '@app/twilio';
import pino from 'pino';

/** Fakes of CrawlRun's boundaries: an upstream of pages in memory, a recording writer, runs and services. */

export const ACCOUNT = 'AC' + '1'.repeat(32);
export const SERVICE = 'IS' + '2'.repeat(32);
export const BASE = 'https://upstream.test';

export function user(n: number): TwilioUser {
  return {
    sid: 'US' + n.toString(16).padStart(32, '0'),
    account_sid: ACCOUNT,
    chat_service_sid: SERVICE,
    role_sid: null,
    identity: `user-${n}`,
    friendly_name: null,
    attributes: '{}',
    is_online: null,
    is_notifiable: null,
    date_created: '2024-01-01T00:00:00Z',
    date_updated: '2024-01-01T00:00:00Z',
    url: null,
    links: null,
  };
}

export const pageUrl = (n: number) => `${BASE}/v1/Services/${SERVICE}/Users?PageSize=2&Page=${n}&PageToken=PT${n}`;

/**
 * An upstream of `pages` pages of 2 users each; `failures` makes the nth request of a URL throw instead.
 * It also answers the crawl's point fetches through `fetchUser` (see the sweep's tests).
 */
export function fakeUpstream(pages: number, failures: Record<string, TwilioError | Error | ((attempt: number) => TwilioError | null)> = {}) {
  const requests: string[] = [];
  const client = {
    accountSid: ACCOUNT,
    firstUsersPageUrl: () => pageUrl(0),
    async fetchUsersEnvelope(_service: string, url: string): Promise<UsersEnvelope> {
      requests.push(url);
      const f = failures[url];
      const failure = typeof f === 'function' ? f(requests.filter((r) => r === url).length) : f;
      if (failure) throw failure;
      const n = Number(new URL(url).searchParams.get('Page'));
      return {
        url,
        serviceSid: SERVICE,
        nextPageUrl: n + 1 < pages ? pageUrl(n + 1) : null,
        page: n,
        pageSize: 2,
        records: [user(2 * n), user(2 * n + 1)],
        requestedAt: 0, // not the clock: some tests count its reads
      };
    },
    readUsers(e: UsersEnvelope) {
      const { records, serviceSid: _s, requestedAt: _r, ...rest } = e;
      return { ...rest, items: records as TwilioUser[], rejected: [] };
    },
  };
  return { client: client as unknown as TwilioClient, requests };
}

export interface FakeRun {
  id: string;
  crawlId: string;
  status: string;
  checkpointUrl: string | null;
  pages: number;
  error: string | null;
  finishOpts?: { endCrawl?: string; dropCheckpoint?: boolean };
  attempts: { requests: number; throttled: number; retries: number };
}

export function fakeRuns(start: Partial<FakeRun> = {}, lastSucceededPages: number | null = null) {
  const run: FakeRun = { id: '7', crawlId: '7', status: 'running', checkpointUrl: pageUrl(0), pages: 0, error: null, attempts: { requests: 0, throttled: 0, retries: 0 }, ...start };
  return {
    run,
    repo: {
      async startOrResume() {
        return { run: { ...run, usersSeen: 0, created: 0, updated: 0, requests: 0, throttled: 0, note: null }, resumed: false, crawlPages: 0 };
      },
      async finish(_id: string, status: string, error: string | null, opts: FakeRun['finishOpts'] = {}) {
        run.status = status;
        run.error = error;
        run.finishOpts = opts;
        // A run of 90 s, as the database would record its start and end.
        return { ...run, usersSeen: 0, created: 0, updated: 0, requests: 0, throttled: 0, startedAt: new Date('2026-01-01T00:00:00Z'), finishedAt: new Date('2026-01-01T00:01:30Z') };
      },
      async lastSucceededPages() {
        return lastSucceededPages;
      },
      async recordAttempts(_id: string, requests: number, throttled: number, retries: number) {
        run.attempts.requests += requests;
        run.attempts.throttled += throttled;
        run.attempts.retries += retries;
      },
    },
  };
}

/** Records every observation; `onApply` may fail one, or stall it. */
export function fakeWriter(onApply: (o: Observation) => Promise<Partial<WriteResult> | void> | Partial<WriteResult> | void = () => undefined) {
  const applied: Observation[] = [];
  return {
    applied,
    writer: {
      async apply(o: Observation): Promise<WriteResult> {
        applied.push(o);
        const r = (await onApply(o)) ?? {};
        const users = o.kind === 'gone' ? 0 : o.users.length;
        return { users, created: users, updated: 0, unchanged: 0, deleted: 0, stale: 0, rejected: [], ...r };
      },
    },
  };
}

export function fakeServices() {
  const calls: { recordRun: unknown[][]; markAccount: unknown[][] } = { recordRun: [], markAccount: [] };
  return {
    calls,
    repo: {
      async recordRun(...args: unknown[]) {
        calls.recordRun.push(args);
      },
      async markAccount(...args: unknown[]) {
        calls.markAccount.push(args);
      },
    },
  };
}

export function fakeLocks(opts: { held?: boolean } = {}) {
  const state = { released: 0, lose: (_reason: Error) => undefined as void };
  return {
    state,
    locks: {
      async tryAcquire(_service: string, onLost: (reason: Error) => void) {
        if (opts.held) return null;
        state.lose = onLost;
        return {
          release: async () => {
            state.released++;
          },
        };
      },
    },
  };
}

export const config = loadConfig({
  TWILIO_ACCOUNT_SID: ACCOUNT,
  TWILIO_AUTH_TOKEN: 'unit-test-token',
  TWILIO_BASE_URL: BASE,
  CRAWL_MAX_RETRIES: '2',
  CRAWL_RETRY_BASE_MS: '1',
  CRAWL_RETRY_CAP_MS: '2',
  ROLES: 'worker',
});

export const silentLogger = pino({ level: 'silent' });
