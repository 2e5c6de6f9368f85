import { loadConfig } from '@app/config';
import { userChangedSchema } from '@app/events';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import Redis from 'ioredis';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { Harness, startHarness, waitFor } from '../support/mirror-harness';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { REDIS_URL } from '../support/test-redis';

const ROOT = path.resolve(__dirname, '../..');
const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');

/** What the docs' shell and SQL blocks are written against: the demo of `npm run demo`. */
const DEMO = { url: 'http://127.0.0.1:3000', token: 'demo-token' };

interface Block {
  file: string;
  line: number;
  info: string;
  /** The HTML comment on the line before the fence: `snippet: <path>` or `check: <kind>`. */
  marker: { kind: 'snippet' | 'check'; arg: string } | null;
  code: string;
}

function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(`${dir}/${e.name}`) : e.name.endsWith('.md') ? [`${dir}/${e.name}`] : [],
    );
  return ['README.md', 'CHANGELOG.md', ...walk('docs')];
}

function codeBlocks(file: string): Block[] {
  const lines = read(file).split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`${file}:${i + 1}: unclosed code block`);
    const m = /^<!-- (snippet|check): (\S+) -->$/.exec(lines[i - 1] ?? '');
    blocks.push({
      file,
      line: i + 1,
      info: open[1],
      marker: m ? { kind: m[1] as 'snippet' | 'check', arg: m[2] } : null,
      code: lines.slice(i + 1, end).join('\n') + '\n',
    });
    i = end;
  }
  return blocks;
}

/** Every variable env.schema.ts declares. */
const SCHEMA_VARIABLES = new Set([...read('libs/config/src/env.schema.ts').matchAll(/^ {2}([A-Z][A-Z0-9_]+)\??(?::[^=;\n]+)?(?: = [^;\n]+)?;$/gm)].map((m) => m[1]));

/** The test files other than this one: a snippet's file must be run (or read) by one of them. */
function testSources(): string {
  const walk = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(`${dir}/${e.name}`) : /\.(spec|e2e-spec|int-spec)\.ts$/.test(e.name) && e.name !== 'doc-snippets.e2e-spec.ts' ? [`${dir}/${e.name}`] : [],
    );
  return walk('test').map(read).join('\n');
}

/**
 * Every fenced code block of README.md, CHANGELOG.md and docs/**: either run here against a mirror this test starts
 * (shell with curl, SQL against its database, JSON against the event schema, an environment through loadConfig), or
 * found word for word in a file another test runs (`<!-- snippet: path -->`). Blocks marked `text` are output or
 * illustration only, and exempt.
 */
describe('the code blocks of the docs', () => {
  const blocks = markdownFiles().flatMap(codeBlocks);
  const name = (b: Block) => `${b.file}:${b.line} (${b.info || 'no language'}${b.marker ? `, ${b.marker.kind} ${b.marker.arg}` : ''})`;
  let h: Harness;
  let scratch: TestDatabase;

  beforeAll(async () => {
    h = await startHarness('doc-snippets', { roles: 'api,worker,scheduler', sim: { services: '2x60', seed: 41 }, env: { API_TOKENS: DEMO.token } });
    scratch = await createTestDatabase('doc-snippets-scratch');
    await h.crawlAll();
    const redis = new Redis(REDIS_URL);
    try {
      await waitFor(async () => (await redis.xlen(h.config.events.stream)) === 120, 'every event on the stream');
    } finally {
      redis.disconnect();
    }
  });
  afterAll(async () => {
    await scratch?.drop();
    await h?.close();
  });

  it('finds the blocks, few of them exempt as text, and none of a kind it cannot check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(12);
    expect(blocks.filter((b) => b.info === 'text').length).toBeLessThanOrEqual(10);
    const checkable = (b: Block) =>
      b.info === 'text' || b.marker !== null || ['sh', 'sql', 'json'].includes(b.info);
    expect(blocks.filter((b) => !checkable(b)).map(name)).toEqual([]);
  });

  it.each(blocks.filter((b) => b.marker?.kind === 'snippet').map((b) => [name(b), b] as const))('%s is a file a test runs, word for word', (_n, b) => {
    const file = b.marker!.arg;
    expect(existsSync(path.join(ROOT, file))).toBe(true);
    expect(read(file)).toContain(b.code);
    expect(testSources().includes(file) || (file.startsWith('docs/recipes/') && testSources().includes("readdirSync(RECIPES)"))).toBe(true);
  });

  it.each(blocks.filter((b) => b.marker?.arg === 'npm-scripts').map((b) => [name(b), b] as const))('%s names npm scripts that exist', (_n, b) => {
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
    const commands = b.code.trim().split('\n').map((l) => l.replace(/\s+#.*$/, '').trim());
    for (const c of commands) {
      const m = /^npm (?:run )?([\w:-]+)$/.exec(c);
      expect({ c, script: m && m[1] in scripts }).toEqual({ c, script: true });
    }
  });

  it.each(blocks.filter((b) => b.marker?.arg === 'env').map((b) => [name(b), b] as const))('%s is a configuration the service accepts', (_n, b) => {
    const vars: Record<string, string> = {};
    for (const line of b.code.trim().split('\n')) {
      const m = /^([A-Z][A-Z0-9_]*)=(?:'([^']*)'|(.*))$/.exec(line);
      expect({ line, assignment: !!m }).toEqual({ line, assignment: true });
      expect({ variable: m![1], known: SCHEMA_VARIABLES.has(m![1]) }).toEqual({ variable: m![1], known: true });
      vars[m![1]] = m![2] ?? m![3];
    }
    expect(() => loadConfig({ ROLES: 'api,worker,scheduler', TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32), TWILIO_AUTH_TOKEN: 'x', ...vars })).not.toThrow();
  });

  it.each(blocks.filter((b) => b.marker?.arg === 'sql-creates-indexes').map((b) => [name(b), b] as const))(
    '%s creates, on a migrated database without them, the very indexes the migrations make',
    async (_n, b) => {
      const statements = b.code.split(';\n').map((s) => s.trim()).filter(Boolean);
      const indexes = statements.flatMap((s) => /CREATE INDEX CONCURRENTLY IF NOT EXISTS (\w+)/.exec(s)?.[1] ?? []);
      expect(indexes.length).toBeGreaterThan(3);
      const pg = new Client({ connectionString: scratch.url });
      await pg.connect();
      try {
        const definitions = async () =>
          (await pg.query('SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY($1) ORDER BY indexname', [indexes])).rows;
        const migrated = await definitions();
        expect(migrated.map((r) => r.indexname)).toEqual([...indexes].sort());
        for (const i of indexes) await pg.query(`DROP INDEX ${i}`);
        for (const s of statements) await pg.query(s); // one at a time: CONCURRENTLY refuses a transaction block
        expect(await definitions()).toEqual(migrated);
      } finally {
        await pg.end();
      }
    },
  );

  it.each(blocks.filter((b) => !b.marker && b.info === 'sql').map((b) => [name(b), b] as const))('%s runs against the mirror\'s database', async (_n, b) => {
    const rows = await h.db.dataSource.query(b.code);
    expect(rows.length).toBeGreaterThan(0);
  });

  it.each(blocks.filter((b) => !b.marker && b.info === 'json').map((b) => [name(b), b] as const))('%s is a valid user-changed event', (_n, b) => {
    const validate = addFormats(new Ajv2020({ allErrors: true })).compile(userChangedSchema);
    const event = JSON.parse(b.code);
    expect({ valid: validate(event), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
  });

  it.each(blocks.filter((b) => !b.marker && b.info === 'sh').map((b) => [name(b), b] as const))('%s runs against a running mirror, every request answered 2xx', async (_n, b) => {
    // Written against the demo's address; run against this test's mirror. curl fails on any 4xx/5xx.
    const script = `set -euo pipefail\ncurl() { command curl --fail-with-body "$@"; }\n${b.code.split(DEMO.url).join(h.mirror.url!)}`;
    // Not spawnSync: the mirror answering these requests runs in this process's event loop.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', script]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.once('exit', (status) => resolve({ status, stdout, stderr }));
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout.length).toBeGreaterThan(0);
  });
});
