import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { waitFor } from '../../support/mirror-harness';

export const RECIPES = path.resolve(__dirname, '../../../docs/recipes');

/** A recipe of docs/recipes running as its own process group (its curl and redis-cli children with it). */
export interface RecipeProcess {
  /** What it printed so far, line by line. */
  lines(): string[];
  stderr(): string;
  /** Waits until `check` holds over its lines. */
  until<T>(check: (lines: string[]) => T | null | undefined | false, what: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

export function runRecipe(file: string, args: string[], env: Record<string, string>): RecipeProcess {
  const child: ChildProcess = spawn('bash', [path.join(RECIPES, file), ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = () => out.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '');
  return {
    lines,
    stderr: () => err,
    until: (check, what, timeoutMs = 60_000) =>
      waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}: ${err}`);
        return check(lines());
      }, `${file}: ${what}`, timeoutMs),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
        await exited;
      }
    },
  };
}

/** Runs a recipe to its end; its output, or the reason it failed. */
export function runRecipeToEnd(file: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(RECIPES, file), ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
