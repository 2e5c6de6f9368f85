import { ServicesRepository, TwilioAccounts } from '@app/accounts';
import { loadConfig } from '@app/config';
import { CrawlQueue } from '@app/queue';
import { describeError, TwilioAuthError, TwilioNetworkError } from '@app/twilio';
import { SchedulerRegistry } from '@nestjs/schedule';
import pino from 'pino';
import { SyncScheduler } from '../src/sync-scheduler.service';

const A1 = 'AC' + '1'.repeat(32);
const A2 = 'AC' + '2'.repeat(32);
const S = (n: number) => 'IS' + String(n).repeat(32).slice(0, 32);

/** The scheduler with its accounts, repository and queue faked: what it enqueues, and what it records. */
function scheduler(env: Record<string, string>, discovered: Record<string, string[] | Error>, opts: { disabled?: string[]; queued?: string[] } = {}) {
  const config = loadConfig({ TWILIO_ACCOUNTS: `${A1}:t1,${A2}:t2`, SYNC_ON_START: 'false', ROLES: 'scheduler', ...env });
  const enqueued: string[][] = [];
  const marked: unknown[][] = [];
  const upserted: unknown[][] = [];
  const accounts = {
    accountSids: () => [A1, A2],
    client: (accountSid: string) => ({
      async *listServices() {
        const d = discovered[accountSid];
        if (d instanceof Error) throw d;
        for (const sid of d ?? []) yield { sid, friendly_name: `svc ${sid.slice(-2)}` };
      },
    }),
  };
  const services = {
    async disabledServiceSids() {
      return new Set(opts.disabled ?? []);
    },
    async upsertDiscovered(...args: unknown[]) {
      upserted.push(args);
    },
    async markUnlisted() {},
    async markAccount(...args: unknown[]) {
      marked.push(args);
    },
  };
  const queue = {
    async enqueue(accountSid: string, serviceSid: string, trigger: string) {
      enqueued.push([accountSid, serviceSid, trigger]);
      return { jobId: `${serviceSid}-job`, added: !(opts.queued ?? []).includes(serviceSid) };
    },
  };
  const s = new SyncScheduler(
    config,
    pino({ level: 'silent' }),
    new SchedulerRegistry(),
    accounts as unknown as TwilioAccounts,
    services as unknown as ServicesRepository,
    queue as unknown as CrawlQueue,
  );
  return { s, enqueued, marked, upserted };
}

describe('SyncScheduler', () => {
  it('enqueues every discovered service of every account, once each', async () => {
    const t = scheduler({}, { [A1]: [S(3), S(4)], [A2]: [S(5)] });
    expect(await t.s.tick('schedule')).toEqual({ enqueued: [S(3), S(4), S(5)], alreadyQueued: [], failedAccounts: [], unhealthyAccounts: [] });
    expect(t.enqueued).toEqual([
      [A1, S(3), 'schedule'],
      [A1, S(4), 'schedule'],
      [A2, S(5), 'schedule'],
    ]);
  });

  it('uses TWILIO_SERVICE_SIDS instead of discovery when it is set', async () => {
    const t = scheduler({ TWILIO_SERVICE_SIDS: `${A2}/${S(6)}` }, { [A1]: new Error('must not be called'), [A2]: new Error('must not be called') });
    expect((await t.s.tick('manual')).enqueued).toEqual([S(6)]);
    expect(t.upserted.filter(([, list]) => (list as unknown[]).length)).toEqual([[A2, [{ sid: S(6), friendlyName: null }]]]);
  });

  it('skips disabled services and tells a crawl already queued from a new one', async () => {
    const t = scheduler({}, { [A1]: [S(3), S(4), S(7)] }, { disabled: [S(4)], queued: [S(7)] });
    const r = await t.s.tick('schedule');
    expect([r.enqueued, r.alreadyQueued]).toEqual([[S(3)], [S(7)]]);
  });

  it('marks an account whose credentials are refused unhealthy; the other accounts go on', async () => {
    const refused = new TwilioAuthError({ status: 401, code: 20003, url: 'https://x/v1/Services', twilioMessage: null });
    const t = scheduler({}, { [A1]: refused, [A2]: [S(5)] });
    expect(await t.s.tick('schedule')).toEqual({ enqueued: [S(5)], alreadyQueued: [], failedAccounts: [], unhealthyAccounts: [A1] });
    expect(t.marked).toEqual([[A1, 'unhealthy', describeError(refused)]]);
    expect(describeError(refused)).toMatch(/^TwilioAuthError 401\/20003: Twilio refused the credentials/);
  });

  it('reports an account whose discovery failed on a transient fault, to be tried again', async () => {
    const t = scheduler({}, { [A1]: new TwilioNetworkError({ url: 'https://x', reason: 'ECONNRESET' }), [A2]: [] });
    expect(await t.s.tick('start')).toEqual({ enqueued: [], alreadyQueued: [], failedAccounts: [A1], unhealthyAccounts: [] });
    expect(t.marked).toEqual([]);
  });
});
