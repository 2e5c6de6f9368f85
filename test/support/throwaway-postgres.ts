import { execFile, execFileSync } from 'node:child_process';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

/** Where PostgreSQL 15's server binaries are (Debian's layout); TEST_PG_BIN overrides. */
export const PG_BIN = process.env.TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const OS_USER = 'postgres';
const READY_TIMEOUT_S = 60;

export interface ThrowawayPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust auth): the same across stop/kill/start. */
  readonly url: string;
  readonly port: number;
  /** The cluster's directory: data in data/, the socket and server log beside it. */
  readonly dir: string;
  /** Whether the server is meant to be up (started and not stopped, killed or destroyed since). */
  readonly running: boolean;
  /** Clean shutdown (fast mode: sessions are ended, a checkpoint is written). */
  stop(): Promise<void>;
  /** Immediate shutdown, as a crash: no checkpoint, crash recovery at the next start. */
  kill(): Promise<void>;
  /** Starts it again after stop() or kill(): same port, same data; resolves once it accepts connections. */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** Stops it (immediately) and removes its directory. Safe to call twice. */
  destroy(): Promise<void>;
}

export interface ThrowawayPostgresOptions {
  /** Extra server settings (`-c name=value`), e.g. { max_connections: '20' }. */
  settings?: Record<string, string>;
}

/** Clusters still on disk, removed synchronously if the process exits without destroy(). */
const live = new Set<{ dir: string; dataDir: string }>();
let exitHookInstalled = false;

/**
 * A private PostgreSQL 15 cluster for a test that must stop, crash or restart Postgres (never the shared one):
 * initdb into a fresh temp directory, then a server on a free loopback port with its socket in that directory,
 * fsync off. initdb and the server refuse to run as root, so as root (as CI runs) every command runs as the
 * `postgres` OS user through runuser, in a directory that user owns. Resolves once it accepts connections;
 * on any failure on the way it removes what it made and rejects with the server log's tail.
 */
export async function startThrowawayPostgres(opts: ThrowawayPostgresOptions = {}): Promise<ThrowawayPostgres> {
  for (const bin of ['initdb', 'pg_ctl']) {
    if (!existsSync(path.join(PG_BIN, bin))) throw new Error(`throwaway Postgres: ${path.join(PG_BIN, bin)} not found (set TEST_PG_BIN)`);
  }
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(path.join(tmpdir(), 'pg-throwaway-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const entry = { dir, dataDir };
  live.add(entry);
  installExitHook();

  const pg = async (bin: string, args: string[]) => {
    const file = path.join(PG_BIN, bin);
    const [cmd, argv] = asRoot ? ['runuser', ['-u', OS_USER, '--', file, ...args]] : [file, args];
    try {
      await run(cmd, argv, { cwd: dir, timeout: (READY_TIMEOUT_S + 30) * 1000 });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`throwaway Postgres: ${bin} ${args[0]} failed: ${(err.stderr || err.message).trim()}${await logTail(logFile)}`);
    }
  };

  let port = 0;
  let running = false;
  const serverOptions = () =>
    [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      // Nothing is flushed to disk: only an OS crash could lose data. A commit still writes its WAL before
      // it returns (synchronous_commit stays on), so a committed transaction survives kill() as it would a crash.
      '-c fsync=off',
      '-c full_page_writes=off',
      ...Object.entries(opts.settings ?? {}).map(([k, v]) => `-c ${k}=${v}`),
    ].join(' ');
  const start = async () => {
    await pg('pg_ctl', ['start', '-w', '-t', String(READY_TIMEOUT_S), '-D', dataDir, '-l', logFile, '-o', serverOptions()]);
    running = true;
    await waitForConnections(urlOf(port), logFile);
  };
  const stopWith = async (mode: 'fast' | 'immediate') => {
    if (!existsSync(path.join(dataDir, 'postmaster.pid'))) {
      running = false;
      return;
    }
    await pg('pg_ctl', ['stop', '-w', '-t', String(READY_TIMEOUT_S), '-m', mode, '-D', dataDir]);
    running = false;
  };
  const destroy = async () => {
    if (!live.has(entry)) return;
    try {
      await stopWith('immediate');
    } finally {
      await rm(dir, { recursive: true, force: true });
      live.delete(entry);
      running = false;
    }
  };

  try {
    if (asRoot) {
      const [uid, gid] = await Promise.all([idOf('-u'), idOf('-g')]);
      await chown(dir, uid, gid);
    }
    await pg('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    // A port taken between picking it and binding it fails the start: pick another, a few times.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await start();
        break;
      } catch (e) {
        const portTaken = /could not (create|bind)|Address already in use/i.test(String((e as Error).message));
        if (!portTaken || attempt >= 3) throw e;
      }
    }
  } catch (e) {
    await destroy().catch(() => undefined);
    throw e;
  }

  return {
    url: urlOf(port),
    port,
    dir,
    get running() {
      return running;
    },
    stop: () => stopWith('fast'),
    kill: () => stopWith('immediate'),
    start,
    async restart() {
      await stopWith('fast');
      await start();
    },
    destroy,
  };
}

function urlOf(port: number): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

async function idOf(flag: '-u' | '-g'): Promise<number> {
  const { stdout } = await run('id', [flag, OS_USER]);
  return Number(stdout.trim());
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** pg_ctl -w has seen the server ready; this waits until a client really gets a session over TCP. */
async function waitForConnections(url: string, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_S * 1000;
  for (;;) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`throwaway Postgres on ${url} accepts no connections: ${(e as Error).message}${await logTail(logFile)}`);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function logTail(logFile: string): Promise<string> {
  try {
    const lines = (await readFile(logFile, 'utf8')).trim().split('\n');
    return `\n--- server log (last lines) ---\n${lines.slice(-15).join('\n')}`;
  } catch {
    return '';
  }
}

/** A test that dies without destroy() must not leave a server running nor its directory behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    const asRoot = process.getuid?.() === 0;
    for (const { dir, dataDir } of live) {
      try {
        if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
          const args = ['stop', '-m', 'immediate', '-w', '-D', dataDir];
          const file = path.join(PG_BIN, 'pg_ctl');
          if (asRoot) execFileSync('runuser', ['-u', OS_USER, '--', file, ...args], { cwd: dir, stdio: 'ignore' });
          else execFileSync(file, args, { cwd: dir, stdio: 'ignore' });
        }
      } catch {
        // Best effort on the way out.
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
