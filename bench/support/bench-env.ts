import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';
import { AppConfig, loadConfig } from '@app/config';
import { prepareDatabase } from '@app/database';

export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = path.resolve(__dirname, '..', '..', '..');

/** A migrated database of the benchmark's own; drop() removes only it. */
export async function benchDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `mirror_bench_${label}_${randomBytes(3).toString('hex')}`;
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  await prepareDatabase(url.toString());
  return {
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => c.end());
    },
  };
}

export const SIM_ACCOUNT = 'AC11111111111111111111111111111111';
export const SIM_TOKEN = 'simauthtoken5f3a9c2e71b84d06e9c1';

/** The mirror's config for a benchmark: its own database, prefix and stream, the simulator's default account. */
export function benchConfig(databaseUrl: string, prefix: string, env: Record<string, string>): AppConfig {
  return loadConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    EVENTS_STREAM: `${prefix}:user-events`,
    TWILIO_ACCOUNT_SID: SIM_ACCOUNT,
    TWILIO_AUTH_TOKEN: SIM_TOKEN,
    SYNC_ON_START: 'false',
    PORT: '0', // every process serves /metrics and /health: a free port each
    LOG_LEVEL: 'warn',
    ...env,
  });
}

export function benchPrefix(label: string): { prefix: string; cleanup(): Promise<void> } {
  const tag = `bench-${label}-${randomBytes(3).toString('hex')}`;
  return {
    prefix: `{${tag}}`,
    async cleanup() {
      const r = new Redis(REDIS_URL);
      let cursor = '0';
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', `*${tag}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await r.del(...keys);
      } while (cursor !== '0');
      r.disconnect();
    },
  };
}

export interface SimProcess {
  url: string;
  pid: number | undefined;
  services: string[];
  accountSid: string;
  stop(): Promise<void>;
}

/** The simulator as a process of its own, so it does not share the measured process's event loop. */
export async function startSimProcess(env: Record<string, string>): Promise<SimProcess> {
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'dist/apps/twilio-sim/src/main.js')], {
    env: { ...process.env, SIM_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  const info = JSON.parse(line);
  return {
    url: info.url,
    pid: child.pid,
    services: info.services,
    accountSid: info.accountSid,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
