import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const MAIN = path.resolve(__dirname, '../../../dist/apps/mirror/src/main.js');

export interface MirrorProcess {
  child: ChildProcess;
  /** Every line the process wrote (stdout and stderr), as it wrote them. */
  lines: string[];
  /** Resolves with the exit code or signal once the process exits. */
  exited: Promise<number | NodeJS.Signals | null>;
  readonly alive: boolean;
  /** The log lines whose message matches. */
  logged(msg: RegExp): Record<string, any>[];
  stop(): Promise<void>;
}

/**
 * The built service (`npm test` builds dist/ first) as a process of its own, so that what happens to it — an
 * unhandled error, an exit — is seen as it would be in production. Its JSON log lines are kept for the test.
 */
export function spawnMirror(env: Record<string, string>): MirrorProcess {
  const child = spawn(process.execPath, [MAIN], {
    // PORT 0: every process serves /metrics and /health, and several run side by side here.
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(line);
    if (process.env.TEST_VERBOSE) process.stdout.write(chunk);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let alive = true;
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => {
      alive = false;
      resolve(signal ?? code);
    }),
  );
  return {
    child,
    lines,
    exited,
    get alive() {
      return alive;
    },
    logged(msg) {
      return lines.flatMap((l) => {
        try {
          const o = JSON.parse(l);
          return typeof o.msg === 'string' && msg.test(o.msg) ? [o] : [];
        } catch {
          return [];
        }
      });
    },
    async stop() {
      if (!alive) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
