import { MirrorMetrics } from '@app/metrics';
import { MirrorWriter } from '@app/mirror-writer';
import { TwilioClient, TwilioNotFoundError, TwilioRateLimitError } from '@app/twilio';
import { DeletionSweep } from '../src/deletion-sweep.service';
import { SweepRepository } from '../src/sweep.repository';
import { SyncRunsRepository } from '../src/sync-runs.repository';
import { parsePrometheusText, valueOf } from '../../../test/support/prometheus-text';
import { ACCOUNT, fakeRuns, fakeWriter, SERVICE, silentLogger, user } from './crawl-fakes';

const SCOPE = { accountSid: ACCOUNT, serviceSid: SERVICE };
const RUN = { runId: '7', crawlId: '7' };
const sid = (n: number) => user(n).sid;
const notFound = (code: number | null) => new TwilioNotFoundError({ status: 404, code, url: 'https://upstream.test/x', twilioMessage: null });

/** The sweep with its repository, client and writer faked: which candidates it confirms, and how. */
function sweepOf(candidates: string[], answers: Record<string, 'found' | Error>) {
  const runs = fakeRuns();
  const writer = fakeWriter((o) => (o.kind === 'gone' ? { deleted: o.sids.length } : undefined));
  const repo = {
    async unseen(_s: string, _c: string, after: string, limit: number) {
      return candidates.filter((c) => c > after).slice(0, limit);
    },
  };
  const fetched: string[] = [];
  const client = {
    async readUser(_s: string, id: string) {
      fetched.push(id);
      const a = answers[id];
      if (a === 'found') return { user: user(parseInt(id.slice(2), 16)), requestedAt: Date.now() };
      throw a;
    },
  } as unknown as TwilioClient;
  const metrics = new MirrorMetrics();
  const sweep = new DeletionSweep(repo as unknown as SweepRepository, runs.repo as unknown as SyncRunsRepository, writer.writer as unknown as MirrorWriter, metrics);
  return { sweep, client, applied: writer.applied, fetched, run: runs.run, scrape: async () => parsePrometheusText(await metrics.registry.metrics()) };
}

describe('DeletionSweep', () => {
  it("tombstones only users Twilio answers 20404 for, and writes the ones it finds like any page", async () => {
    const t = sweepOf([sid(1), sid(2), sid(3)], { [sid(1)]: notFound(20404), [sid(2)]: 'found', [sid(3)]: notFound(20404) });
    expect(await t.sweep.run(SCOPE, RUN, t.client, silentLogger)).toBe(2);
    expect(t.applied.map((o) => [o.kind, o.kind === 'gone' ? o.sids : o.kind === 'fetched' ? o.users.map((u) => u.sid) : null])).toEqual([
      ['fetched', [sid(2)]],
      ['gone', [sid(1), sid(3)]],
    ]);
    expect(t.run.attempts.requests).toBe(3); // one point fetch each
    // The users it wrote count like a page's: the run's counters and the metrics agree.
    const m = await t.scrape();
    expect(valueOf(m, 'twilio_mirror_users_total', { service_sid: SERVICE, outcome: 'deleted' })).toBe(2);
    expect(valueOf(m, 'twilio_mirror_users_total', { service_sid: SERVICE, outcome: 'created' })).toBe(1);
    expect(valueOf(m, 'twilio_mirror_pages_total')).toBe(0);
  });

  it('takes a bare 404 (a proxy, a wrong path) as doubt: it stops and deletes nothing', async () => {
    const t = sweepOf([sid(1), sid(2)], { [sid(1)]: notFound(20404), [sid(2)]: notFound(null) });
    await expect(t.sweep.run(SCOPE, RUN, t.client, silentLogger)).rejects.toThrow(/without Twilio's code 20404: not taken as a deletion/);
    expect(t.applied).toEqual([]);
  });

  it('stops at the first other failure (a 429 parks the crawl): nothing of that batch is written', async () => {
    const t = sweepOf([sid(1), sid(2)], { [sid(1)]: notFound(20404), [sid(2)]: new TwilioRateLimitError({ status: 429, code: 20429, url: 'x', twilioMessage: null, retryAfterMs: null }) });
    await expect(t.sweep.run(SCOPE, RUN, t.client, silentLogger)).rejects.toBeInstanceOf(TwilioRateLimitError);
    expect(t.applied).toEqual([]);
  });

  it('goes through the candidates a batch at a time, in sid order', async () => {
    const many = Array.from({ length: 450 }, (_, i) => sid(i + 1));
    const t = sweepOf(many, Object.fromEntries(many.map((s) => [s, notFound(20404)])));
    expect(await t.sweep.run(SCOPE, RUN, t.client, silentLogger)).toBe(450);
    expect(t.applied.map((o) => (o.kind === 'gone' ? o.sids.length : 0))).toEqual([200, 200, 50]);
  });

  it('starts no further batch once the crawl must stop', async () => {
    const t = sweepOf([sid(1)], { [sid(1)]: notFound(20404) });
    const stop = new AbortController();
    stop.abort(new Error('lock lost'));
    await expect(t.sweep.run(SCOPE, RUN, t.client, silentLogger, stop.signal)).rejects.toThrow('lock lost');
    expect(t.fetched).toEqual([]);
  });
});
