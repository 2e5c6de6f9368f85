import { userChangedSchema } from '@app/events';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import Redis from 'ioredis';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Harness, startHarness, TEST_API_TOKEN, waitFor } from '../support/mirror-harness';
import { REDIS_URL } from '../support/test-redis';
import { headlessChromium } from '../observability/support/headless-chromium';
import { RECIPES, runRecipe, runRecipeToEnd } from './support/recipe-process';

const USERS = 120;

/**
 * docs/recipes: the ways a service in another language consumes the mirror (redis-cli, curl long-poll, curl SSE,
 * a snapshot then the feed, and a fetch client for browsers), each run as a reader would run it against a running
 * mirror, and its output checked: every event, in order, each once, resumed from the position it kept.
 */
describe('docs/recipes against a running mirror', () => {
  let h: Harness;
  let redis: Redis;
  let dir: string;
  let service: string;
  const validate = addFormats(new Ajv2020({ allErrors: true })).compile(userChangedSchema);
  const feedEnv = () => ({ MIRROR_URL: h.mirror.url!, MIRROR_TOKEN: TEST_API_TOKEN });
  const lastSequence = async () => Number((await h.db.dataSource.query('SELECT last FROM event_sequence'))[0].last);

  /** Renames `n` users upstream and crawls: n more events. */
  async function change(n: number, label: string): Promise<number> {
    const users = h.sim.admin.exportUsers(service).slice(0, n);
    for (const u of users) h.sim.admin.updateUser(service, u.sid, { friendlyName: `${label} ${u.sid.slice(-4)}` });
    await h.crawlAll();
    return lastSequence();
  }

  beforeAll(async () => {
    h = await startHarness('recipes', { roles: 'api,worker,scheduler', sim: { services: `1x${USERS}`, seed: 31 } });
    redis = new Redis(REDIS_URL);
    dir = mkdtempSync(path.join(tmpdir(), 'mirror-recipes-'));
    service = h.sim.serviceSids[0];
    await h.crawlAll();
    await waitFor(async () => (await redis.xlen(h.config.events.stream)) === USERS, 'the first crawl on the stream');
  });
  afterAll(async () => {
    redis?.disconnect();
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every file of docs/recipes is run here', () => {
    const run = new Set(['redis-cli-consumer.sh', 'curl-long-poll.sh', 'curl-sse.sh', 'snapshot.sh', 'fetch-sse.mjs', 'twilio-sdk.js']);
    expect(readdirSync(RECIPES).filter((f) => !run.has(f))).toEqual([]);
  });

  it('redis-cli-consumer.sh reads, handles and acknowledges every entry, and recreates its group at 0 after NOGROUP', async () => {
    const stream = h.config.events.stream;
    const consumer = runRecipe('redis-cli-consumer.sh', [], { REDIS_URL, EVENTS_STREAM: stream, GROUP: 'recipe', CONSUMER: 'c1' });
    try {
      const handled = () => consumer.lines().filter((l) => /^\d+-0 io\.github\.twilio-mirror\.conversations\.user\.\w+$/.test(l));
      await consumer.until(() => handled().length >= USERS, `${USERS} events handled`);
      const lines = consumer.lines();
      for (let i = 0; i < USERS; i++) {
        const [id, type] = lines[2 * i].split(' ');
        const event = JSON.parse(lines[2 * i + 1]);
        expect({ id, type, valid: validate(event) }).toEqual({ id: `${event.sequence}-0`, type: event.type, valid: true });
        expect(Number(event.sequence)).toBe(i + 1);
      }
      await waitFor(async () => ((await redis.xpending(stream, 'recipe')) as [number])[0] === 0, 'nothing pending');

      // Redis lost the group (as after a restart without persistence): the recipe recreates it at 0, reads again.
      await redis.xgroup('DESTROY', stream, 'recipe');
      await consumer.until(() => handled().length >= 2 * USERS, 'the stream read again from 0');
      expect(handled().slice(USERS).map((l) => l.split(' ')[0])).toEqual(handled().slice(0, USERS).map((l) => l.split(' ')[0]));
    } finally {
      await consumer.stop();
    }
  });

  it('curl-long-poll.sh follows the feed in order and resumes from its position file', async () => {
    const state = path.join(dir, 'long-poll.position');
    const sequences = (lines: string[]) => lines.flatMap((l) => JSON.parse(l).events.map((e: { sequence: string }) => Number(e.sequence)));
    const first = runRecipe('curl-long-poll.sh', [], { ...feedEnv(), STATE: state });
    const upTo = await lastSequence();
    try {
      await first.until((l) => sequences(l).at(-1) === upTo, `sequence ${upTo}`);
      expect(sequences(first.lines())).toEqual(Array.from({ length: upTo }, (_, i) => i + 1));
      await waitFor(async () => readFileSync(state, 'utf8').trim() === String(upTo), 'the position saved');
    } finally {
      await first.stop();
    }
    const now = await change(3, 'long-poll');
    const resumed = runRecipe('curl-long-poll.sh', [], { ...feedEnv(), STATE: state });
    try {
      await resumed.until((l) => sequences(l).at(-1) === now, `sequence ${now}`);
      expect(sequences(resumed.lines())).toEqual([upTo + 1, upTo + 2, upTo + 3]);
    } finally {
      await resumed.stop();
    }
  });

  it('curl-sse.sh prints whole frames in order and resumes with Last-Event-ID from its position file', async () => {
    const state = path.join(dir, 'sse.position');
    const sequences = (lines: string[]) =>
      lines.map((l) => {
        const [id, ...json] = l.split(' ');
        const event = JSON.parse(json.join(' '));
        expect(event.sequence).toBe(id);
        return Number(id);
      });
    const upTo = await lastSequence();
    const first = runRecipe('curl-sse.sh', [], { ...feedEnv(), STATE: state });
    try {
      await first.until((l) => sequences(l).at(-1) === upTo, `sequence ${upTo}`);
      expect(sequences(first.lines())).toEqual(Array.from({ length: upTo }, (_, i) => i + 1));
      // A change while it is connected arrives live.
      const now = await change(2, 'sse-live');
      await first.until((l) => sequences(l).at(-1) === now, 'the live events');
    } finally {
      await first.stop();
    }
    const kept = Number(readFileSync(state, 'utf8'));
    const now = await change(2, 'sse-resume');
    const resumed = runRecipe('curl-sse.sh', [], { ...feedEnv(), STATE: state });
    try {
      await resumed.until((l) => sequences(l).at(-1) === now, `sequence ${now}`);
      expect(sequences(resumed.lines())).toEqual([kept + 1, kept + 2]);
    } finally {
      await resumed.stop();
    }
  });

  it('snapshot.sh writes every live user and the as_of_sequence the long-poll recipe follows from without a gap', async () => {
    const state = path.join(dir, 'snapshot.position');
    const snap = await runRecipeToEnd('snapshot.sh', [service], { ...feedEnv(), STATE: state });
    expect({ code: snap.code, stderr: snap.stderr }).toEqual({ code: 0, stderr: '' });
    const users = snap.stdout.trim().split('\n').flatMap((l) => JSON.parse(l).users);
    expect(users.length).toBe(USERS);
    expect(Number(readFileSync(state, 'utf8'))).toBe(await lastSequence());

    const now = await change(4, 'after-snapshot');
    const follow = runRecipe('curl-long-poll.sh', [], { ...feedEnv(), STATE: state });
    try {
      await follow.until((l) => l.length > 0 && Number(JSON.parse(l.at(-1)!).next_after) === now, `sequence ${now}`);
      const events = follow.lines().flatMap((l) => JSON.parse(l).events);
      expect(events.map((e: { data: { op: string } }) => e.data.op)).toEqual(['updated', 'updated', 'updated', 'updated']);
      // Each is newer than the row the snapshot holds: a consumer applies all four.
      const held = new Map(users.map((u: { sid: string; version: number }) => [u.sid, u.version]));
      for (const e of events) expect(e.data.version).toBeGreaterThan(held.get(e.subject) as number);
    } finally {
      await follow.stop();
    }
  });

  it("twilio-sdk.js reads the mirror through Twilio's SDK: a list, a user by sid and by identity", async () => {
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(RECIPES, 'twilio-sdk.js')], {
        env: { ...process.env, ...feedEnv(), TWILIO_ACCOUNT_SID: h.sim.accountSid, SERVICE_SID: service },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect({ code: out.code, stderr: out.stderr }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(out.stdout);
    expect(result.listed).toBe(100);
    expect(result.byIdentity).toBe(result.bySid);
  });

  const followEventsScript = (url: string, count: number) => `
    import { followEvents } from ${JSON.stringify(path.join(RECIPES, 'fetch-sse.mjs'))};
    const controller = new AbortController();
    const seen = [];
    const last = await followEvents({
      url: ${JSON.stringify(url)}, token: ${JSON.stringify(TEST_API_TOKEN)}, signal: controller.signal,
      onEvent: async (e) => { seen.push(Number(e.sequence)); if (seen.length === ${count}) controller.abort(); },
    });
    console.log(JSON.stringify({ seen, last }));`;

  it('fetch-sse.mjs follows the stream with the Authorization header (Node)', async () => {
    const upTo = await lastSequence();
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', followEventsScript(h.mirror.url!, upTo)]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(stderr))));
    });
    expect(JSON.parse(out)).toEqual({ seen: Array.from({ length: upTo }, (_, i) => i + 1), last: String(upTo) });
  });

  it('fetch-sse.mjs follows the stream in headless Chromium, from a page of the same origin', async () => {
    const browser = await headlessChromium('recipes');
    try {
      const page = await (await browser.context()).newPage();
      await page.goto(`${h.mirror.url}/health/live`);
      const upTo = await lastSequence();
      const source = readFileSync(path.join(RECIPES, 'fetch-sse.mjs'), 'utf8');
      const result = await page.evaluate(
        async ({ source, token, count }) => {
          // Through Function: the test's compiler would rewrite an import() written here into a require().
          const load = new Function('url', 'return import(url)') as (url: string) => Promise<any>;
          const module = await load(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
          const controller = new AbortController();
          const seen: number[] = [];
          const last = await module.followEvents({
            url: location.origin,
            token,
            signal: controller.signal,
            onEvent: async (e: { sequence: string }) => {
              seen.push(Number(e.sequence));
              if (seen.length === count) controller.abort();
            },
          });
          return { seen, last };
        },
        { source, token: TEST_API_TOKEN, count: upTo },
      );
      expect(result).toEqual({ seen: Array.from({ length: upTo }, (_, i) => i + 1), last: String(upTo) });
    } finally {
      await browser.close();
    }
  });
});
