import { startSimulator, type EchoForm, type RunningSimulator, type TwilioUser } from '@app/twilio-sim';
import { adminCall, basicAuth, twilioGet, type SimResponse } from './support/sim-http';
import { TwilioSpec } from './support/twilio-spec';

const usersPath = (serviceSid: string): string => `/v1/Services/${serviceSid}/Users`;
const sids = (page: SimResponse): string[] => page.json.users.map((u: TwilioUser) => u.sid);

describe('poison upstream data', () => {
  const errorShape = new TwilioSpec().error();
  let sim: RunningSimulator;
  let service: string;
  let small: string;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 31, services: '1x120,1x30' });
    [service, small] = sim.serviceSids;
  });
  afterAll(() => sim.close());
  afterEach(() => sim.admin.clearFaults());

  describe('control-char-next-url', () => {
    test('next_page_url carries a NUL inside its PageToken; the page parses and is otherwise the real one', async () => {
      const normal = await twilioGet(sim, `${usersPath(service)}?PageSize=20`);
      sim.admin.enqueueFaults({ kind: 'control-char-next-url' });
      const poisoned = await twilioGet(sim, `${usersPath(service)}?PageSize=20`);
      expect(poisoned.status).toBe(200);
      expect(poisoned.text).toContain('\\u0000');
      const next: string = poisoned.json.meta.next_page_url;
      expect(next).toContain('\u0000');
      expect(next.replace('\u0000', '')).toBe(normal.json.meta.next_page_url);
      expect(next.indexOf('\u0000')).toBeGreaterThan(next.indexOf('PageToken='));
      expect(sids(poisoned)).toEqual(sids(normal));
      expect({ ...poisoned.json.meta, next_page_url: null }).toEqual({ ...normal.json.meta, next_page_url: null });
      expect((await twilioGet(sim, `${usersPath(service)}?PageSize=20`)).json.meta.next_page_url).toBe(normal.json.meta.next_page_url);
    });

    test.each(['\u0001', '\n', '\u001f', '\u007f'])('any control character can be chosen (%j), even on the last page', async (char) => {
      sim.admin.enqueueFaults({ kind: 'control-char-next-url', char });
      const page = await twilioGet(sim, `${usersPath(small)}?PageSize=50`);
      expect(page.json.users).toHaveLength(30);
      expect(page.json.meta.next_page_url).toContain(char);
    });

    test('only users-list pages, only control characters', () => {
      expect(() => sim.admin.enqueueFaults({ kind: 'control-char-next-url', char: 'a' })).toThrow('char');
      expect(() => sim.admin.enqueueFaults({ kind: 'control-char-next-url', match: 'services-list' })).toThrow('users-list');
      expect(() => sim.admin.enqueueFaults({ kind: '500', char: '\u0000' })).toThrow('char belongs to control-char-next-url');
      expect(sim.admin.pendingFaults()).toEqual([]);
    });
  });

  describe('oversize-page', () => {
    test('a page with more users than PageSize asked for (PageSize + 3 by default), meta as asked', async () => {
      const normal = await twilioGet(sim, `${usersPath(service)}?PageSize=10`);
      sim.admin.enqueueFaults({ kind: 'oversize-page' });
      const big = await twilioGet(sim, `${usersPath(service)}?PageSize=10`);
      expect(big.json.users).toHaveLength(13);
      expect(big.json.meta).toEqual(normal.json.meta);
      expect(sids(big).slice(0, 10)).toEqual(sids(normal));
    });

    test('`records` sets the count; past the end of the list it wraps to the first users', async () => {
      const all = sim.admin.exportUsers(small).map((u) => u.sid);
      sim.admin.enqueueFaults({ kind: 'oversize-page', records: 45 });
      const big = await twilioGet(sim, `${usersPath(small)}?PageSize=20`);
      expect(big.json.users).toHaveLength(45);
      expect(sids(big)).toEqual([...all, ...all.slice(0, 15)]);
      expect(big.json.meta.page_size).toBe(20);
      expect(() => sim.admin.enqueueFaults({ kind: 'oversize-page', records: 1 })).toThrow('records');
    });
  });

  describe('endless-pages', () => {
    test('while the fault lasts every page has a new, unique next_page_url, well past the real end', async () => {
      sim.admin.enqueueFaults({ kind: 'endless-pages', count: 9 });
      const seen = new Set<string>();
      let url: string | null = `${usersPath(small)}?PageSize=10`;
      const pages: SimResponse[] = [];
      for (let i = 0; i < 9; i++) {
        const page = await twilioGet(sim, url as string);
        expect(page.status).toBe(200);
        pages.push(page);
        url = page.json.meta.next_page_url;
        expect(url).not.toBeNull();
        expect(seen.has(url as string)).toBe(false);
        seen.add(url as string);
      }
      // 30 users, 10 a page: the real list ended after page 2, yet the walk went on, repeating real users.
      const real = new Set(sim.admin.exportUsers(small).map((u) => u.sid));
      expect(pages.every((p) => sids(p).every((sid) => real.has(sid)))).toBe(true);
      expect(pages.map((p) => p.json.meta.page)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      // Spent: following on reaches a real end.
      let steps = 0;
      while (url !== null && steps++ < 10) url = (await twilioGet(sim, url)).json.meta.next_page_url;
      expect(url).toBeNull();
    });
  });

  describe('echo-credential', () => {
    const token = 'tok/en+with=chars&é-0123456789';
    const secret = 'api/secret+of=key&ü-9876543210';
    let account: { accountSid: string; authToken: string; apiKeys: Array<{ sid: string; secret: string }> };
    let theirs: string;

    beforeAll(() => {
      account = sim.admin.createAccount({
        authToken: token,
        apiKeys: [{ sid: 'SK99999999999999999999999999999999', secret }],
      });
      theirs = sim.admin.createService({ accountSid: account.accountSid }).sid;
    });

    const forms: Array<[EchoForm, (secret: string, header: string) => string]> = [
      ['token', (s) => s],
      ['token-cut', (s) => s.slice(0, -4)],
      ['upper', (s) => s.toUpperCase()],
      ['base64', (s) => Buffer.from(s).toString('base64')],
      ['basic', (_s, header) => header],
      ['urlencoded', (s) => encodeURIComponent(s)],
    ];

    test.each(forms)('form %s: message and more_info carry the auth token in that form', async (form, expected) => {
      const header = basicAuth(account.accountSid, token);
      sim.admin.enqueueFaults({ kind: 'echo-credential', form, accountSid: account.accountSid });
      const res = await twilioGet(sim, usersPath(theirs), header);
      expect(res.status).toBe(500);
      expect(Object.keys(res.json).sort()).toEqual(['code', 'message', 'more_info', 'status']);
      expect(res.json).toMatchObject({ code: 20500, status: 500 });
      const echo = expected(token, header);
      expect(res.json.message).toContain(echo);
      expect(res.json.more_info).toContain(echo);
      expect((await twilioGet(sim, usersPath(theirs), header)).status).toBe(200);
    });

    test('with an API key it is the API secret that leaks; status 400 answers 20001', async () => {
      const header = basicAuth('SK99999999999999999999999999999999', secret);
      sim.admin.enqueueFaults([
        { kind: 'echo-credential', form: 'token' },
        { kind: 'echo-credential', form: 'upper', status: 400 },
      ]);
      const first = await twilioGet(sim, usersPath(theirs), header);
      expect(first.json.message).toContain(secret);
      expect(first.json.message).not.toContain(token);
      const second = await twilioGet(sim, usersPath(theirs), header);
      expect(second.status).toBe(400);
      expect(errorShape({ ...second.json, more_info: 'https://www.twilio.com/docs/errors/20001' })).toBe(true);
      expect(second.json).toMatchObject({ code: 20001, status: 400 });
      expect(second.json.more_info).toContain(secret.toUpperCase());
      expect(() => sim.admin.enqueueFaults({ kind: 'echo-credential', form: 'rot13' as EchoForm })).toThrow('form');
      expect(() => sim.admin.enqueueFaults({ kind: 'echo-credential', status: 503 as 500 })).toThrow('status');
    });

    test('the faults are queued over the admin HTTP surface too, options included', async () => {
      const queued = await adminCall(sim, 'POST', '/faults', [
        { kind: 'echo-credential', form: 'base64', status: 400 },
        { kind: 'oversize-page', records: 12 },
        { kind: 'control-char-next-url', char: '\u0007' },
      ]);
      expect(queued.json).toEqual({ pending: 3 });
      expect((await adminCall(sim, 'GET', '/faults')).json).toEqual([
        { kind: 'echo-credential', count: 1, skip: 0, match: 'any', accountSid: null, form: 'base64', status: 400 },
        { kind: 'oversize-page', count: 1, skip: 0, match: 'users-list', accountSid: null, records: 12 },
        { kind: 'control-char-next-url', count: 1, skip: 0, match: 'users-list', accountSid: null, char: '\u0007' },
      ]);
    });
  });

  describe('users planted with any attributes string', () => {
    const deep = `{"deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    const cases: Array<[string, string]> = [
      ['deeply nested JSON', deep],
      ['over 16 KiB', JSON.stringify({ blob: 'x'.repeat(20 * 1024) })],
      ['NUL as a \\u0000 escape', '{"nul":"a\\u0000b"}'],
      ['a raw NUL', '{"nul":"a\u0000b"}'],
      ['an escaped lone surrogate', '{"half":"\\ud800"}'],
      ['a raw lone surrogate', '{"half":"\ud800"}'],
      ['a number that overflows', '{"n":1e999999}'],
      ['JSON that is not an object', '[1,2,3]'],
      ['text that is not JSON', 'not json at all {'],
      ['an empty string', ''],
    ];

    test.each(cases)('%s is accepted over the admin and served verbatim, listed and fetched', async (_name, attributes) => {
      const identity = `planted-${Math.random().toString(36).slice(2)}`;
      const created = await adminCall(sim, 'POST', `/services/${small}/users`, { identity, attributes });
      expect(created.status).toBe(201);
      expect(created.json.attributes).toBe(attributes);
      const fetched = await twilioGet(sim, `${usersPath(small)}/${created.json.sid}`);
      expect(fetched.json.attributes).toBe(attributes);
      const listed = (await twilioGet(sim, `${usersPath(small)}?PageSize=50`)).json.users.find((u: TwilioUser) => u.sid === created.json.sid);
      expect(listed.attributes).toBe(attributes);
      const updated = await adminCall(sim, 'POST', `/services/${small}/users/${created.json.sid}`, { attributes: `${attributes} ` });
      expect(updated.json.attributes).toBe(`${attributes} `);
      sim.admin.deleteUser(small, created.json.sid);
    });

    test('re-serialising attributes that are not JSON is refused, not a crash', async () => {
      const user = sim.admin.createUser(small, { identity: 'unreorderable', attributes: 'not json' });
      const res = await adminCall(sim, 'POST', `/services/${small}/users/${user.sid}/reorder-attributes`);
      expect(res.status).toBe(400);
      const deepUser = sim.admin.createUser(small, { identity: 'too-deep', attributes: `{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}` });
      expect((await adminCall(sim, 'POST', `/services/${small}/users/${deepUser.sid}/reorder-attributes`)).status).toBeLessThan(500);
      sim.admin.deleteUser(small, user.sid);
      sim.admin.deleteUser(small, deepUser.sid);
    });
  });
});
