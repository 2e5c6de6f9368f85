import { ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UserEventsConsumer } from '@app/events-consumer';
import type { UserChange } from '@app/events';
import Redis from 'ioredis';
import {
  commitEvents,
  createdChanges,
  EventsEnv,
  eventsEnv,
  fakeUser,
  RelayApp,
  startRelayApp,
  unpublishedCount,
  userSid,
  waitUntil,
} from '../events/support/events-apps';
import { REDIS_URL } from '../support/test-redis';
import { recordingLogger } from './consumer-test.helpers';

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');
const PACKAGE_DIR = join(ROOT, 'libs/events-consumer');
const PACKAGE = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));
/** The versions the scratch project installs besides the tarball: the monorepo's, so npm finds them in its cache. */
const ROOT_VERSIONS = (() => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return { ...pkg.dependencies, ...pkg.devDependencies } as Record<string, string>;
})();

/**
 * libs/events-consumer as another Node project gets it: `npm pack` (which builds it), the tarball installed into a
 * scratch project under a temp dir, then real events published by the relay consumed by a plain Node script of
 * that project, and the README's examples built against the installed package's types and run.
 */
describe('the consumer as an installed package', () => {
  let scratch: string;
  let app: string;
  let tarball: string;
  let env: EventsEnv;
  let relay: RelayApp;
  let redis: Redis;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'consumer-package-'));
    await run('npm', ['pack', '--pack-destination', scratch], { cwd: PACKAGE_DIR, timeout: 120_000 });
    tarball = join(scratch, readdirSync(scratch).find((f) => f.endsWith('.tgz'))!);

    app = join(scratch, 'app');
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-consumer', version: '1.0.0', private: true }));
    const extra = ['pg', '@types/pg', '@types/node'].map((name) => `${name}@${ROOT_VERSIONS[name]}`);
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...extra], { cwd: app, timeout: 180_000 });

    env = await eventsEnv('package');
    redis = new Redis(REDIS_URL);
    relay = await startRelayApp(env.config);
  }, 300_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await relay?.close();
    redis?.disconnect();
    await env?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** 10 users created, 3 of them renamed, 2 deleted: the outbox's events, published by the relay. */
  async function publishChanges(from: number): Promise<void> {
    await commitEvents(env.db.dataSource, createdChanges(from, 10));
    const renamed: UserChange[] = [0, 1, 2].map((i) => ({
      op: 'updated',
      before: fakeUser(from + i),
      after: fakeUser(from + i, `Renamed ${from + i}`),
      changed: ['friendly_name'],
      version: 2,
    }));
    await commitEvents(env.db.dataSource, renamed);
    const deleted: UserChange[] = [3, 4].map((i) => ({ op: 'deleted', before: fakeUser(from + i), after: null, changed: ['friendly_name', 'identity'], version: 3 }));
    await commitEvents(env.db.dataSource, deleted);
    await waitUntil('the relay to publish', async () => (await unpublishedCount(env.db.dataSource)) === 0);
  }

  const outbox = (): Promise<{ id: string; sequence: string; type: string; user_sid: string }[]> =>
    env.db.dataSource.query('SELECT id, sequence, type, user_sid FROM user_events ORDER BY sequence');

  it('packs its build, its types and its README, with ioredis as its only dependency', async () => {
    expect(PACKAGE).toMatchObject({ version: '0.1.0', main: 'dist/index.js', types: 'dist/index.d.ts' });
    expect(Object.keys(PACKAGE.dependencies)).toEqual(['ioredis']);
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/package.json', 'package/README.md', 'package/dist/index.js', 'package/dist/index.d.ts']));
    expect(files.filter((f) => !f.startsWith('package/dist/') && !['package/package.json', 'package/README.md'].includes(f))).toEqual([]);
    expect(files.filter((f) => /spec|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('a plain Node script of the scratch project consumes the events the relay published', async () => {
    await publishChanges(1);
    const rows = await outbox();
    copyFileSync(join(__dirname, 'support/plain-consumer.js'), join(app, 'plain-consumer.js'));
    const { stdout } = await run('node', ['plain-consumer.js'], {
      cwd: app,
      timeout: 30_000,
      env: { ...process.env, REDIS_URL, EVENTS_STREAM: env.stream, EXPECT: String(rows.length) },
    });
    expect(JSON.parse(stdout)).toEqual(
      rows.map((r) => ({ id: r.id, sequence: r.sequence, type: r.type, subject: r.user_sid, entryId: `${r.sequence}-0` })),
    );
  });

  it("the README's examples build against the installed types and run: a replay of dead letters, then the consumer", async () => {
    for (const file of readdirSync(join(PACKAGE_DIR, 'examples'))) copyFileSync(join(PACKAGE_DIR, 'examples', file), join(app, 'src', file));
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'commonjs', target: 'ES2022', lib: ['ES2023'], types: ['node'], strict: true, esModuleInterop: true, rootDir: 'src', outDir: 'out' },
        include: ['src'],
      }),
    );
    // Resolved from the scratch project only: the package's own declarations, ioredis's and pg's.
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app, timeout: 120_000 });
    const childEnv = { ...process.env, DATABASE_URL: env.db.url, REDIS_URL, EVENTS_STREAM: env.stream };
    const q = (sql: string) => env.db.dataSource.query(sql);

    // Events that a consumer failed on, dead-lettered by the library itself.
    await publishChanges(100);
    const rows = await outbox();
    const dead = `${env.stream}:dead`;
    const failing = new UserEventsConsumer({
      redis: REDIS_URL,
      stream: env.stream,
      group: 'failing',
      consumer: 'f',
      startFrom: '0',
      blockMs: 100,
      maxDeliveries: 1,
      logger: recordingLogger(),
      handler: async () => {
        throw new Error('the CRM is down');
      },
    });
    await failing.start();
    await waitUntil('every event dead-lettered', async () => (await redis.xlen(dead)) === rows.length);
    await failing.stop();
    const streamBefore = await redis.xrevrange(env.stream, '+', '-', 'COUNT', 1);
    const lengthBefore = await redis.xlen(env.stream);

    const replay = await run('node', ['out/replay-dead-letters.js'], { cwd: app, env: childEnv, timeout: 60_000 });
    const result = JSON.parse(replay.stdout);
    expect(result.replayed).toHaveLength(rows.length);
    expect(result).toMatchObject({ failed: [], malformed: [], notFound: [] });
    expect(await redis.xlen(dead)).toBe(0);
    expect(await redis.xlen(env.stream)).toBe(lengthBefore); // nothing written to the events stream
    expect(await redis.xrevrange(env.stream, '+', '-', 'COUNT', 1)).toEqual(streamBefore);
    expect((await q('SELECT id FROM applied_events ORDER BY id')).map((r: any) => r.id)).toEqual(rows.map((r) => r.id).sort());
    expect((await q('SELECT count(*)::int AS n FROM change_log'))[0].n).toBe(rows.length);

    // The consumer: its new group starts at 0, so every event replayed above comes again and is skipped by the
    // dedupe; the new ones are applied once.
    const consumer = spawn('node', ['out/consume.js'], { cwd: app, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(consumer);
    let output = '';
    consumer.stdout!.on('data', (d) => (output += d));
    consumer.stderr!.on('data', (d) => (output += d));
    await waitUntil('the example consumer to start', () => output.includes('consuming'), 20_000);
    await publishChanges(200);
    const all = await outbox();
    const lastId = `${all[all.length - 1].sequence}-0`;
    await waitUntil('every event applied', async () => (await q('SELECT count(*)::int AS n FROM applied_events'))[0].n === all.length, 20_000);
    await waitUntil('the group to have read and acknowledged everything', async () => {
      const groups = (await redis.xinfo('GROUPS', env.stream)) as unknown[][];
      const group = groups.map((g) => fields(g)).find((g) => g.name === 'crm-sync');
      return group?.['last-delivered-id'] === lastId && group?.pending === 0;
    });
    expect((await q('SELECT count(*)::int AS n FROM change_log'))[0].n).toBe(all.length);
    expect((await q('SELECT count(DISTINCT event_id)::int AS n FROM change_log'))[0].n).toBe(all.length);
    // Each user as its last event left it.
    const users = await env.db.dataSource.query('SELECT sid, friendly_name, deleted FROM crm_users WHERE sid = ANY($1) ORDER BY sid', [[userSid(200), userSid(203)]]);
    expect(users).toEqual([
      { sid: userSid(200), friendly_name: 'Renamed 200', deleted: false },
      { sid: userSid(203), friendly_name: 'User 203', deleted: true },
    ]);

    consumer.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => consumer.once('exit', resolve));
    expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'consuming' });
  });
});

function fields(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}
