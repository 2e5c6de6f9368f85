import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A redis-server of the test's own, for tests that must restart Redis (the shared one on 6379 is never touched).
 * Unpersisted (`--save ""`, no AOF): a restart brings it back empty, as an unpersisted Redis or a failover to an
 * empty replica would.
 */
export interface ThrowawayRedis {
  readonly port: number;
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  /** SHUTDOWN NOSAVE, then waits until the process is gone: every key is lost. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty; resolves once it answers PING. */
  start(): Promise<void>;
  /** stop() then start(). */
  restartEmpty(): Promise<void>;
  /** Stops it if it runs and removes its directory (afterAll). */
  close(): Promise<void>;
}

/** Starts one on a free port of 127.0.0.1 and resolves once it answers PING. */
export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'throwaway-redis-'));
  const pidFile = join(dir, 'redis.pid');
  let port = 0;
  let running = false;

  const cli = (...args: string[]) => run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 });

  async function start(): Promise<void> {
    await run('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes',
      '--dir', dir, '--pidfile', pidFile, '--logfile', join(dir, 'redis.log'),
    ]);
    running = true;
    await until('redis-server to answer PING', async () => (await cli('PING').catch(() => ({ stdout: '' }))).stdout.trim() === 'PONG');
  }

  async function stop(): Promise<void> {
    if (!running) return;
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await cli('SHUTDOWN', 'NOSAVE').catch(() => undefined); // the server closes the connection as it goes
    await until('redis-server to exit', () => !alive(pid));
    running = false;
  }

  // The port is free when probed; another process could take it before redis-server binds it, so try again.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await start();
      break;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    async restartEmpty() {
      await stop();
      await start();
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
