import { startSimulator, type RunningSimulator } from '@app/twilio-sim';
import { adminCall, basicAuth, twilioGet, type SimResponse } from './support/sim-http';

const usersPath = (serviceSid: string): string => `/v1/Services/${serviceSid}/Users`;
const concurrent = (res: SimResponse): string | null => res.headers.get('twilio-concurrent-requests');

describe('concurrency as Twilio models it', () => {
  let sim: RunningSimulator;
  let service: string;

  beforeAll(async () => {
    sim = await startSimulator({ services: '1x30', seed: 12 });
    service = sim.serviceSids[0];
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.admin.setBehavior({ maxInFlightPerAccount: 0, latencyMs: 0, latencyJitterMs: 0 });
    sim.admin.clearFaults();
    sim.admin.resetStats();
  });

  const burst = (count: number, path = usersPath(service)): Promise<SimResponse[]> =>
    Promise.all(Array.from({ length: count }, () => twilioGet(sim, path)));

  test('Twilio-Concurrent-Requests counts the account\'s requests in flight, this one included, on every answer', async () => {
    expect(concurrent(await twilioGet(sim, usersPath(service)))).toBe('1');
    const missing = await twilioGet(sim, `${usersPath(service)}/USffffffffffffffffffffffffffffffff`);
    expect(missing.status).toBe(404);
    expect(concurrent(missing)).toBe('1');
    expect(concurrent(await twilioGet(sim, usersPath(service), null))).toBeNull();

    sim.admin.setBehavior({ latencyMs: 400 });
    const answers = await burst(4);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(answers.map(concurrent).sort()).toEqual(['1', '2', '3', '4']);
    expect(sim.admin.stats().maxInFlight[sim.accountSid]).toBe(4);
  });

  test('a 429 from the limit carries the count that refused it; refusals are counted per account', async () => {
    sim.admin.setBehavior({ maxInFlightPerAccount: 2, latencyMs: 400 });
    const answers = await burst(6);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused).toHaveLength(4);
    for (const res of refused) expect(concurrent(res)).toBe('2');
    expect(answers.filter((r) => r.status === 200).map(concurrent).sort()).toEqual(['1', '2']);

    sim.admin.setBehavior({ maxInFlightPerAccount: 0, latencyMs: 0 });
    sim.admin.enqueueFaults({ kind: '429' });
    expect((await twilioGet(sim, usersPath(service))).status).toBe(429);
    const stats = (await adminCall(sim, 'GET', '/stats')).json;
    expect(stats.refused).toEqual({ [sim.accountSid]: 4 });
    expect(stats.byStatus['429']).toBe(5);
    expect(stats.maxInFlight[sim.accountSid]).toBe(2);
  });

  test('the count is per account', async () => {
    const other = sim.admin.createAccount();
    const theirs = sim.admin.createService({ accountSid: other.accountSid }).sid;
    sim.admin.setBehavior({ latencyMs: 300 });
    const mine = burst(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const theirAnswer = await twilioGet(sim, usersPath(theirs), basicAuth(other.accountSid, other.authToken));
    expect(concurrent(theirAnswer)).toBe('1');
    expect((await mine).map(concurrent).sort()).toEqual(['1', '2', '3']);
  });

  test('latency jitter: each admitted request waits latency ± jitter (set over the admin)', async () => {
    const set = await adminCall(sim, 'PUT', '/behavior', { latencyMs: 150, latencyJitterMs: 100 });
    expect(set.json).toMatchObject({ latencyMs: 150, latencyJitterMs: 100 });
    expect((await adminCall(sim, 'PUT', '/behavior', { latencyJitterMs: -1 })).status).toBe(400);
    const durations: number[] = [];
    for (let i = 0; i < 12; i++) {
      const started = performance.now();
      expect((await twilioGet(sim, usersPath(service))).status).toBe(200);
      durations.push(performance.now() - started);
    }
    expect(Math.min(...durations)).toBeGreaterThanOrEqual(48);
    expect(Math.max(...durations)).toBeLessThan(250 + 2500); // generous: a loaded machine only ever adds
    expect(Math.max(...durations) - Math.min(...durations)).toBeGreaterThan(40);
    // Every admitted request held its slot for its own wait: the mean is the latency, give or take the jitter.
    const mean = sim.admin.stats().meanSlotMs[sim.accountSid];
    expect(mean).toBeGreaterThan(50);
    expect(mean).toBeLessThan(250 + 1500);
  });
});
