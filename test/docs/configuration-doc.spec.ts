import { EnvironmentVariables, loadConfig } from '@app/config';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');

/** Every variable env.schema.ts declares, in order, with its default (undefined: optional, no default). */
function schemaVariables(): Map<string, unknown> {
  const source = read('libs/config/src/env.schema.ts');
  const names = [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+)\??(?::[^=;\n]+)?(?: = [^;\n]+)?;$/gm)].map((m) => m[1]);
  const defaults = new EnvironmentVariables() as unknown as Record<string, unknown>;
  return new Map(names.map((n) => [n, defaults[n]]));
}

/** The rows of docs/configuration.md's table: variable → its default cell. */
function documented(): Map<string, string> {
  const rows = [...read('docs/configuration.md').matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| ([^|]+) \|/gm)];
  const out = new Map<string, string>();
  for (const [, name, cell] of rows) {
    expect({ name, documentedOnce: !out.has(name) }).toEqual({ name, documentedOnce: true });
    out.set(name, cell.trim());
  }
  return out;
}

/** `.env.example`'s assignments, commented out or not. */
function envExample(): Map<string, { value: string; commented: boolean }> {
  const out = new Map<string, { value: string; commented: boolean }>();
  for (const m of read('.env.example').matchAll(/^(# ?)?([A-Z][A-Z0-9_]+)=(.*)$/gm)) out.set(m[2], { value: m[3], commented: !!m[1] });
  return out;
}

describe('the configuration reference and .env.example against env.schema.ts', () => {
  const variables = schemaVariables();

  it('reads the schema: every variable, the defaults the service boots with', () => {
    expect(variables.size).toBeGreaterThanOrEqual(45);
    expect(variables.get('WORKER_CONCURRENCY')).toBe(64);
    expect(variables.has('TWILIO_API_SECRET')).toBe(true);
    // The defaults are what loadConfig gives a minimal environment.
    const config = loadConfig({ ROLES: 'scheduler', TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32), TWILIO_AUTH_TOKEN: 'x' });
    expect(config.databaseUrl).toBe(variables.get('DATABASE_URL'));
    expect(config.events.streamMaxLen).toBe(variables.get('EVENTS_STREAM_MAXLEN'));
    expect(config.events.stream).toBe(`${variables.get('QUEUE_PREFIX')}:user-events`);
  });

  it('docs/configuration.md lists every variable, and nothing else, with its true default', () => {
    const docs = documented();
    expect([...docs.keys()].sort()).toEqual([...variables.keys()].sort());
    for (const [name, value] of variables) {
      const cell = docs.get(name)!;
      if (value === undefined) expect({ name, cell: /^(—|unset)/.test(cell) }).toEqual({ name, cell: true });
      else expect({ name, cell }).toEqual({ name, cell: `\`${String(value)}\`` });
    }
    expect(docs.get('EVENTS_STREAM')).toContain('`{mirror}:user-events`');
  });

  it('.env.example names every variable, and nothing else; the values it sets are the defaults; it leaves EVENTS_STREAM to QUEUE_PREFIX', () => {
    const example = envExample();
    expect([...example.keys()].sort()).toEqual([...variables.keys()].sort());
    for (const [name, value] of variables) {
      const line = example.get(name)!;
      if (value !== undefined && !line.commented) expect({ name, value: line.value }).toEqual({ name, value: String(value) });
    }
    expect(example.get('EVENTS_STREAM')!.commented).toBe(true);
  });
});
