import { startSimulator, type RunningSimulator, type TwilioUser } from '@app/twilio-sim';
import { adminCall, basicAuth, crawlUsers, twilioGet, type SimResponse } from './support/sim-http';
import { startSimulatorThread, type SimThread } from './support/sim-thread';

const usersPath = (serviceSid: string): string => `/v1/Services/${serviceSid}/Users`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

describe('twilio-sim', () => {
  describe('authentication', () => {
    let sim: RunningSimulator;
    let own: string;
    let foreign: string;
    let other: { accountSid: string; authToken: string; apiKeys: Array<{ sid: string; secret: string }> };

    beforeAll(async () => {
      sim = await startSimulator({ services: '1x20' });
      own = sim.serviceSids[0];
      other = sim.admin.createAccount();
      foreign = sim.admin.createService({ accountSid: other.accountSid }).sid;
      sim.admin.bulkCreateUsers(foreign, { count: 5 });
    });
    afterAll(() => sim.close());

    test('account sid + auth token and API key sid + secret both work', async () => {
      expect((await twilioGet(sim, usersPath(own), basicAuth(sim.accountSid, sim.authToken))).status).toBe(200);
      expect((await twilioGet(sim, usersPath(own), basicAuth(sim.apiKeySid, sim.apiKeySecret))).status).toBe(200);
      expect(other.apiKeys).toHaveLength(1);
      expect((await twilioGet(sim, usersPath(foreign), basicAuth(other.apiKeys[0].sid, other.apiKeys[0].secret))).status).toBe(200);
    });

    test('wrong or missing credentials answer 401/20003', async () => {
      const attempts = [
        null,
        basicAuth(sim.accountSid, `${sim.authToken}x`),
        basicAuth(sim.apiKeySid, 'nope'),
        basicAuth(other.apiKeys[0].sid, sim.apiKeySecret),
        basicAuth('someone', 'else'),
        `Basic ${Buffer.from('no-colon').toString('base64')}`,
      ];
      for (const auth of attempts) {
        const res = await twilioGet(sim, usersPath(own), auth);
        expect(res.status).toBe(401);
        expect(res.json).toEqual({ code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
      }
    });

    test("another account's service is a 404/20404, with the owner's token or key it is a 200", async () => {
      for (const path of [usersPath(foreign), `/v1/Services/${foreign}`]) {
        const res = await twilioGet(sim, path);
        expect(res.status).toBe(404);
        expect(res.json.code).toBe(20404);
      }
      const list = await twilioGet(sim, '/v1/Services');
      expect(list.json.services.map((s: { sid: string }) => s.sid)).toEqual([own]);
      const theirs = await twilioGet(sim, '/v1/Services', basicAuth(other.accountSid, other.authToken));
      expect(theirs.json.services.map((s: { sid: string }) => s.sid)).toEqual([foreign]);
    });
  });

  describe('concurrency limit and latency', () => {
    let sim: RunningSimulator;
    let service: string;

    beforeAll(async () => {
      sim = await startSimulator({ services: '1x60', maxInFlightPerAccount: 2, latencyMs: 300 });
      service = sim.serviceSids[0];
    });
    afterAll(() => sim.close());
    beforeEach(() => sim.admin.setBehavior({ maxInFlightPerAccount: 2, latencyMs: 300, retryAfter: 'none' }));

    async function burst(count: number): Promise<SimResponse[]> {
      return Promise.all(Array.from({ length: count }, () => twilioGet(sim, usersPath(service))));
    }

    test('requests beyond the in-flight limit get 429/20429 without Retry-After', async () => {
      sim.admin.resetStats();
      const responses = await burst(6);
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
      const refused = responses.filter((r) => r.status === 429);
      for (const res of refused) {
        expect(res.json).toEqual({ code: 20429, message: 'Too Many Requests', more_info: 'https://www.twilio.com/docs/errors/20429', status: 429 });
        expect(res.headers.get('retry-after')).toBeNull();
      }
      const stats = sim.admin.stats();
      expect(stats.maxInFlight[sim.accountSid]).toBe(2);
      expect(stats.byStatus).toMatchObject({ '200': 2, '429': 4 });
      // Only the two admitted requests held a slot, each for the 300 ms latency and a little more.
      expect(stats.meanSlotMs[sim.accountSid]).toBeGreaterThanOrEqual(299);
      expect(stats.meanSlotMs[sim.accountSid]).toBeLessThan(1000);
    });

    test('Retry-After in seconds or as an HTTP-date when configured', async () => {
      sim.admin.setBehavior({ retryAfter: 7 });
      const seconds = (await burst(4)).filter((r) => r.status === 429);
      expect(seconds.length).toBe(2);
      for (const res of seconds) expect(res.headers.get('retry-after')).toBe('7');

      sim.admin.setBehavior({ retryAfter: 'http-date' });
      const dated = (await burst(4)).filter((r) => r.status === 429);
      expect(dated.length).toBe(2);
      for (const res of dated) {
        const when = Date.parse(res.headers.get('retry-after') ?? '');
        expect(res.headers.get('retry-after')).toMatch(/GMT$/);
        expect(when).toBeGreaterThan(Date.now() - 1000);
      }
    });

    test('the limit is per account: another account is served while this one is saturated', async () => {
      const other = sim.admin.createAccount();
      const theirs = sim.admin.createService({ accountSid: other.accountSid }).sid;
      const saturating = burst(2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const [mine, theirsRes] = await Promise.all([
        twilioGet(sim, usersPath(service)),
        twilioGet(sim, usersPath(theirs), basicAuth(other.accountSid, other.authToken)),
      ]);
      expect(mine.status).toBe(429);
      expect(theirsRes.status).toBe(200);
      expect((await saturating).map((r) => r.status)).toEqual([200, 200]);
    });

    test('latency is added to every request; the limit can be lifted at run time', async () => {
      sim.admin.setBehavior({ maxInFlightPerAccount: 0, latencyMs: 250 });
      const started = performance.now();
      const responses = await burst(5);
      const elapsed = performance.now() - started;
      expect(responses.every((r) => r.status === 200)).toBe(true);
      expect(elapsed).toBeGreaterThanOrEqual(240);
      expect(elapsed).toBeLessThan(2000);
      sim.admin.setBehavior({ latencyMs: 0 });
      const quick = performance.now();
      await twilioGet(sim, usersPath(service));
      expect(performance.now() - quick).toBeLessThan(240);
    });
  });

  describe('one-shot faults', () => {
    let sim: RunningSimulator;
    let service: string;
    let someUser: TwilioUser;

    beforeAll(async () => {
      sim = await startSimulator({ services: '1x120' });
      service = sim.serviceSids[0];
      someUser = sim.admin.exportUsers(service)[10];
    });
    afterAll(() => sim.close());
    afterEach(() => sim.admin.clearFaults());

    const list = (): Promise<SimResponse> => twilioGet(sim, usersPath(service));
    const fetchUser = (): Promise<SimResponse> => twilioGet(sim, `${usersPath(service)}/${someUser.sid}`);

    test.each([
      ['500', 500, 20500],
      ['503', 503, 20503],
      ['429', 429, 20429],
    ] as const)('%s answers a Twilio-shaped error once', async (kind, status, code) => {
      sim.admin.enqueueFaults({ kind });
      const faulted = await list();
      expect(faulted.status).toBe(status);
      expect(faulted.json).toEqual({ code, message: expect.any(String), more_info: `https://www.twilio.com/docs/errors/${code}`, status });
      expect((await list()).status).toBe(200);
    });

    test('truncate answers a 200 whose JSON is cut in the middle', async () => {
      const whole = await list();
      sim.admin.enqueueFaults({ kind: 'truncate' });
      const cut = await list();
      expect(cut.status).toBe(200);
      expect(cut.headers.get('content-type')).toMatch(/^application\/json/);
      expect(cut.json).toBeUndefined();
      expect(cut.text.length).toBeGreaterThan(10);
      expect(cut.text.length).toBeLessThan(whole.text.length * 0.75);
      expect(whole.text.startsWith(cut.text.slice(0, 100))).toBe(true);
    });

    test('non-json answers a 200 text/html page', async () => {
      sim.admin.enqueueFaults({ kind: 'non-json' });
      const res = await list();
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.json).toBeUndefined();
      expect(res.text).toContain('<html>');
    });

    test('bad-sid answers a page in which one user has a non-user sid', async () => {
      sim.admin.enqueueFaults({ kind: 'bad-sid' });
      const res = await list();
      expect(res.status).toBe(200);
      const sids: string[] = res.json.users.map((u: TwilioUser) => u.sid);
      expect(sids.filter((sid) => sid === 'XX123')).toHaveLength(1);
      expect(sids.filter((sid) => /^US[0-9a-f]{32}$/.test(sid))).toHaveLength(sids.length - 1);
    });

    test('reset destroys the socket; the next request is served', async () => {
      sim.admin.resetStats();
      sim.admin.enqueueFaults({ kind: 'reset' });
      await expect(list()).rejects.toThrow();
      expect((await list()).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(sim.admin.stats().byStatus).toMatchObject({ reset: 1, '200': 1 });
    });

    test('match, skip and count select exactly which requests fail', async () => {
      sim.admin.enqueueFaults({ kind: '503', match: 'users-fetch', skip: 1, count: 2 });
      const statuses: number[] = [];
      for (const call of [list, fetchUser, fetchUser, list, fetchUser, fetchUser]) statuses.push((await call()).status);
      expect(statuses).toEqual([200, 200, 503, 200, 503, 200]);
      expect(sim.admin.pendingFaults()).toEqual([]);
    });

    test('a fault bound to another account leaves this one alone', async () => {
      const other = sim.admin.createAccount();
      sim.admin.enqueueFaults({ kind: '500', accountSid: other.accountSid });
      expect((await list()).status).toBe(200);
      expect(sim.admin.pendingFaults()).toHaveLength(1);
    });

    test('faults queue in order: one request, one fault', async () => {
      sim.admin.enqueueFaults([{ kind: '500' }, { kind: '429' }]);
      expect((await list()).status).toBe(500);
      expect((await list()).status).toBe(429);
      expect((await list()).status).toBe(200);
    });
  });

  describe('determinism and variety', () => {
    test('two simulators with the same seed produce identical services, users and random faults', async () => {
      const options = { seed: 7, services: '2x400', fault5xxRate: 0.3 };
      const [a, b, c] = await Promise.all([startSimulator(options), startSimulator(options), startSimulator({ ...options, seed: 8 })]);
      try {
        expect(a.serviceSids).toEqual(b.serviceSids);
        expect(a.serviceSids).not.toEqual(c.serviceSids);
        const strip = (users: TwilioUser[]) => users.map(({ url: _u, links: _l, ...rest }) => rest);
        for (const [i, sid] of a.serviceSids.entries()) {
          expect(strip(a.admin.exportUsers(sid))).toEqual(strip(b.admin.exportUsers(sid)));
          expect(a.admin.exportUsers(sid)).toHaveLength(400);
          expect(c.admin.exportUsers(c.serviceSids[i]).map((u) => u.identity)).not.toEqual(a.admin.exportUsers(sid).map((u) => u.identity));
        }
        const statuses = async (sim: RunningSimulator): Promise<number[]> => {
          const out: number[] = [];
          for (let i = 0; i < 30; i++) out.push((await twilioGet(sim, usersPath(sim.serviceSids[0]))).status);
          return out;
        };
        const [sa, sb] = [await statuses(a), await statuses(b)];
        expect(sa).toEqual(sb);
        expect(sa).toContain(503);
        expect(sa).toContain(200);
      } finally {
        await Promise.all([a.close(), b.close(), c.close()]);
      }
    });

    test('a seeded bulk gives the same users on any service; repeated calls never repeat', async () => {
      const sim = await startSimulator();
      try {
        const s1 = sim.admin.createService().sid;
        sim.admin.bulkCreateUsers(s1, { count: 50, seed: 3 });
        sim.admin.bulkCreateUsers(s1, { count: 50, seed: 3 });
        const users = sim.admin.exportUsers(s1);
        expect(new Set(users.map((u) => u.sid)).size).toBe(100);
        expect(new Set(users.map((u) => u.identity)).size).toBe(100);
      } finally {
        await sim.close();
      }
    });

    test('generated users are varied the way real ones are', async () => {
      const sim = await startSimulator({ seed: 11, services: '1x3000' });
      try {
        const users = sim.admin.exportUsers(sim.serviceSids[0]);
        const identities = new Set(users.map((u) => u.identity));
        expect(identities.size).toBe(3000);
        const some = (predicate: (u: TwilioUser) => boolean): boolean => users.some(predicate);
        expect(some((u) => /[^\x00-\x7f]/.test(u.identity) && u.identity.includes('@'))).toBe(true);
        expect(some((u) => /[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]/.test(u.identity))).toBe(true);
        expect(some((u) => /\p{Extended_Pictographic}/u.test(u.identity))).toBe(true);
        for (const char of ['/', '?', '%', '+', '#', ' ']) expect(some((u) => u.identity.includes(char))).toBe(true);
        expect(some((u) => u.identity.length === 256)).toBe(true);
        expect(some((u) => u.identity !== u.identity.toLowerCase() && identities.has(u.identity.toLowerCase()))).toBe(true);
        expect(some((u) => u.attributes === '{}')).toBe(true);
        expect(some((u) => u.friendly_name === null)).toBe(true);
        expect(some((u) => u.role_sid === null)).toBe(true);
        expect(some((u) => u.role_sid !== null)).toBe(true);
        expect(some((u) => u.date_updated !== u.date_created)).toBe(true);
        const parsed = users.map((u) => JSON.parse(u.attributes) as unknown);
        const nested = (v: unknown): boolean => typeof v === 'object' && v !== null && Object.values(v).some((x) => typeof x === 'object' && x !== null);
        expect(parsed.some(nested)).toBe(true);
        expect(parsed.some((v) => JSON.stringify(v).includes('['))).toBe(true);
        expect(parsed.some((v) => /true|false/.test(JSON.stringify(v)))).toBe(true);
        expect(new Set(users.map((u) => u.date_created)).size).toBeGreaterThan(2900);
      } finally {
        await sim.close();
      }
    });
  });

  describe('a million users', () => {
    // On its own thread, so the million users' heap is freed when the test ends, not when jest's worker exits.
    let sim: SimThread;
    let service: string;

    beforeAll(async () => {
      sim = await startSimulatorThread();
      service = (await sim.admin('createService')).sid;
    });
    afterAll(() => sim.close());

    test('bulk-creates 1M users in seconds and serves page 19,000 as fast as page 0', async () => {
      const started = performance.now();
      expect(await sim.admin('bulkCreateUsers', service, { count: 1_000_000 })).toEqual({ created: 1_000_000, total: 1_000_000 });
      expect(performance.now() - started).toBeLessThan(30_000);

      const auth = basicAuth(sim.accountSid, sim.authToken);
      const get = async (url: string): Promise<SimResponse> => {
        const response = await fetch(url, { headers: { authorization: auth } });
        return { status: response.status, headers: response.headers, text: '', json: await response.json() };
      };
      const shallow = `${sim.url}${usersPath(service)}?PageSize=50`;
      const deep = await sim.admin('pageUrl', service, 19_000);
      const deepPage = await get(deep);
      expect(deepPage.status).toBe(200);
      expect(deepPage.json.meta.page).toBe(19_000);
      expect(deepPage.json.users).toHaveLength(50);
      const following = await get(deepPage.json.meta.next_page_url);
      expect(following.json.users[0].sid > deepPage.json.users[49].sid).toBe(true);

      const time = async (url: string): Promise<number> => {
        const t = performance.now();
        const res = await get(url);
        if (res.status !== 200) throw new Error(`status ${res.status}`);
        return performance.now() - t;
      };
      for (let i = 0; i < 20; i++) await Promise.all([time(shallow), time(deep)]);
      const shallowTimes: number[] = [];
      const deepTimes: number[] = [];
      for (let i = 0; i < 60; i++) {
        shallowTimes.push(await time(shallow));
        deepTimes.push(await time(deep));
      }
      expect(median(deepTimes)).toBeLessThan(median(shallowTimes) * 5 + 5);
    }, 90_000);
  });

  describe('admin over HTTP', () => {
    let sim: RunningSimulator;

    beforeAll(async () => {
      sim = await startSimulator({ seed: 5 });
    });
    afterAll(() => sim.close());

    test('accounts, services and bulk users', async () => {
      const account = await adminCall(sim, 'POST', '/accounts', {
        accountSid: 'AC22222222222222222222222222222222',
        authToken: 'token-two',
        apiKeys: [{ sid: 'SK22222222222222222222222222222222', secret: 'secret-two' }],
      });
      expect(account.status).toBe(201);
      expect(account.json).toEqual({
        accountSid: 'AC22222222222222222222222222222222',
        authToken: 'token-two',
        apiKeys: [{ sid: 'SK22222222222222222222222222222222', secret: 'secret-two' }],
      });
      const service = await adminCall(sim, 'POST', '/services', { accountSid: 'AC22222222222222222222222222222222', friendlyName: 'Two' });
      expect(service.status).toBe(201);
      expect(service.json).toMatchObject({ account_sid: 'AC22222222222222222222222222222222', friendly_name: 'Two', url: `${sim.url}/v1/Services/${service.json.sid}` });
      const bulk = await adminCall(sim, 'POST', `/services/${service.json.sid}/users/bulk`, { count: 75, seed: 1 });
      expect(bulk.json).toEqual({ created: 75, total: 75 });
      const pages = await crawlUsers(sim, service.json.sid, 50, basicAuth('SK22222222222222222222222222222222', 'secret-two'));
      expect(pages.flatMap((p) => p.json.users)).toHaveLength(75);
      expect((await twilioGet(sim, usersPath(service.json.sid))).status).toBe(404);
    });

    test('create, update, reorder attributes, delete and re-create a user', async () => {
      const service = (await adminCall(sim, 'POST', '/services', {})).json.sid as string;
      const base = `/services/${service}/users`;
      const created = await adminCall(sim, 'POST', base, { identity: 'Alice', attributes: '{"a":1,"b":{"c":[1,2],"d":"é"}}', friendlyName: 'Alice A' });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ identity: 'Alice', attributes: '{"a":1,"b":{"c":[1,2],"d":"é"}}', friendly_name: 'Alice A', is_online: null });
      expect(created.json.role_sid).toMatch(/^RL[0-9a-f]{32}$/);
      expect((await adminCall(sim, 'POST', base, { identity: 'Alice' })).status).toBe(409);
      expect((await adminCall(sim, 'POST', base, { identity: 'alice' })).status).toBe(201);
      expect((await adminCall(sim, 'POST', base, { identity: 'x', bogus: 1 })).status).toBe(400);
      expect((await adminCall(sim, 'POST', base, { identity: 'y', attributes: 42 })).status).toBe(400);
      const sid = created.json.sid as string;

      const updated = await adminCall(sim, 'POST', `${base}/${sid}`, { friendlyName: null, attributes: { z: true }, roleSid: null, isOnline: true, isNotifiable: false });
      expect(updated.status).toBe(200);
      expect(updated.json).toMatchObject({ friendly_name: null, attributes: '{"z":true}', role_sid: null, is_online: true, is_notifiable: false });
      expect(updated.json.date_updated > created.json.date_updated).toBe(true);
      const viaTwilio = await twilioGet(sim, `${usersPath(service)}/${sid}`);
      expect(viaTwilio.json).toEqual(updated.json);
      const listed = (await twilioGet(sim, usersPath(service))).json.users.find((u: TwilioUser) => u.sid === sid);
      expect(listed).toEqual({ ...updated.json, is_online: null, is_notifiable: null });

      await adminCall(sim, 'POST', `${base}/${sid}`, { attributes: '{"first":1,"second":{"x":1,"y":[2]}}' });
      const before = (await adminCall(sim, 'GET', `${base}/${sid}`)).json;
      const reordered = await adminCall(sim, 'POST', `${base}/${sid}/reorder-attributes`);
      expect(reordered.status).toBe(200);
      expect(reordered.json.attributes).not.toBe(before.attributes);
      expect(JSON.parse(reordered.json.attributes)).toEqual(JSON.parse(before.attributes));
      expect(Object.keys(JSON.parse(reordered.json.attributes))).toEqual(['second', 'first']);
      expect(reordered.json.date_updated > before.date_updated).toBe(true);

      expect((await adminCall(sim, 'DELETE', `${base}/${sid}`)).status).toBe(204);
      expect((await twilioGet(sim, `${usersPath(service)}/${sid}`)).status).toBe(404);
      expect((await twilioGet(sim, `${usersPath(service)}/Alice`)).status).toBe(404);
      const again = await adminCall(sim, 'POST', base, { identity: 'Alice' });
      expect(again.status).toBe(201);
      expect(again.json.sid).not.toBe(sid);
      expect((await twilioGet(sim, `${usersPath(service)}/Alice`)).json.sid).toBe(again.json.sid);
    });

    test('export streams the ground truth; page-url jumps deep', async () => {
      const service = sim.admin.createService().sid;
      sim.admin.bulkCreateUsers(service, { count: 2500 });
      const exported = await adminCall(sim, 'GET', `/services/${service}/users/export`);
      expect(exported.status).toBe(200);
      expect(exported.json.users).toEqual(sim.admin.exportUsers(service));
      expect(exported.json.users).toHaveLength(2500);
      const jump = await adminCall(sim, 'GET', `/services/${service}/users/page-url?page=3&pageSize=20`);
      const page = await twilioGet(sim, jump.json.url);
      expect(page.json.users.map((u: TwilioUser) => u.sid)).toEqual(exported.json.users.slice(60, 80).map((u: TwilioUser) => u.sid));
      expect((await adminCall(sim, 'GET', `/services/${service}/users/page-url?page=999`)).status).toBe(404);
    });

    test('deleting a service makes it 404 on the Twilio surface', async () => {
      const service = sim.admin.createService().sid;
      expect((await twilioGet(sim, usersPath(service))).status).toBe(200);
      expect((await adminCall(sim, 'DELETE', `/services/${service}`)).status).toBe(204);
      expect((await twilioGet(sim, usersPath(service))).status).toBe(404);
      expect((await adminCall(sim, 'DELETE', `/services/${service}`)).status).toBe(404);
    });

    test('behavior, faults and stats', async () => {
      const behavior = await adminCall(sim, 'PUT', '/behavior', { maxInFlightPerAccount: 3, retryAfter: 'http-date' });
      expect(behavior.json).toEqual({ maxInFlightPerAccount: 3, retryAfter: 'http-date', latencyMs: 0, latencyJitterMs: 0, fault5xxRate: 0, faultTruncateRate: 0 });
      expect((await adminCall(sim, 'GET', '/behavior')).json).toEqual(behavior.json);
      expect((await adminCall(sim, 'PUT', '/behavior', { fault5xxRate: 2 })).status).toBe(400);
      expect((await adminCall(sim, 'PUT', '/behavior', { retryAfter: 'later' })).status).toBe(400);

      expect((await adminCall(sim, 'POST', '/faults', { kind: '503', count: 2 })).json).toEqual({ pending: 1 });
      expect((await adminCall(sim, 'POST', '/faults', { faults: [{ kind: 'reset', match: 'users-list' }] })).json).toEqual({ pending: 2 });
      expect((await adminCall(sim, 'POST', '/faults', { kind: 'explode' })).status).toBe(400);
      expect((await adminCall(sim, 'GET', '/faults')).json).toEqual([
        { kind: '503', count: 2, skip: 0, match: 'any', accountSid: null },
        { kind: 'reset', count: 1, skip: 0, match: 'users-list', accountSid: null },
      ]);
      expect((await adminCall(sim, 'DELETE', '/faults')).status).toBe(204);
      expect((await adminCall(sim, 'GET', '/faults')).json).toEqual([]);

      expect((await adminCall(sim, 'POST', '/stats/reset')).status).toBe(204);
      await twilioGet(sim, '/v1/Services');
      await twilioGet(sim, '/v1/Services', null);
      const stats = (await adminCall(sim, 'GET', '/stats')).json;
      expect(stats).toMatchObject({ total: 2, byStatus: { '200': 1, '401': 1 }, byAccount: { [sim.accountSid]: 1 }, byRoute: { 'services-list': 2 } });
      expect(stats.maxInFlight[sim.accountSid]).toBe(1);
    });

    test('reset returns to the start state', async () => {
      sim.admin.setBehavior({ latencyMs: 10 });
      expect(sim.admin.listServices().length).toBeGreaterThan(0);
      expect((await adminCall(sim, 'POST', '/reset')).status).toBe(204);
      expect(sim.admin.getBehavior().latencyMs).toBe(0);
      const services = await twilioGet(sim, '/v1/Services');
      expect(services.status).toBe(200);
      expect(services.json.services).toEqual([]);
      expect((await twilioGet(sim, '/v1/Services', basicAuth('AC22222222222222222222222222222222', 'token-two'))).status).toBe(401);
      expect(sim.admin.stats()).toMatchObject({ total: 2, byStatus: { '200': 1, '401': 1 } });
    });
  });

  test('with an admin token, /admin needs it and the Twilio surface does not', async () => {
    const sim = await startSimulator({ adminToken: 's3cret', services: '1x3' });
    try {
      expect((await adminCall(sim, 'GET', '/stats')).status).toBe(401);
      expect((await adminCall(sim, 'GET', '/stats', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await adminCall(sim, 'GET', '/stats', undefined, { authorization: 'Bearer s3cret' })).status).toBe(200);
      expect((await twilioGet(sim, usersPath(sim.serviceSids[0]))).status).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
