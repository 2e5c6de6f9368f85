import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const MAIN = path.resolve(__dirname, '../../dist/apps/mirror/src/main.js');

/** The built service, started with a bad environment: a clear message and a non-zero exit, nothing else. */
describe('boot with a bad configuration', () => {
  function boot(env: Record<string, string>, cwd?: string) {
    return spawnSync(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, cwd, encoding: 'utf8', timeout: 30_000 });
  }

  it('names each bad variable and its reason, exits 78, and echoes no secret', () => {
    const r = boot({
      TWILIO_ACCOUNT_SID: 'AC123',
      TWILIO_AUTH_TOKEN: 'secret-token-value',
      PORT: 'http',
      SYNC_CRON: 'sometimes',
      API_TOKENS: 'short',
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/^Invalid configuration:/m);
    expect(r.stderr).toMatch(/TWILIO_ACCOUNT_SID: must be an account sid/);
    expect(r.stderr).toMatch(/PORT: must be a whole number/);
    expect(r.stderr).toMatch(/SYNC_CRON: is not a valid cron expression/);
    expect(r.stderr).toMatch(/API_TOKENS: entry 1: a token must be at least 8 characters/);
    expect(r.stderr).not.toContain('short');
    expect(r.stderr + r.stdout).not.toContain('secret-token-value');
  });

  it('refuses worker and scheduler roles without Twilio credentials', () => {
    const r = boot({ ROLES: 'worker,scheduler' });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/TWILIO_ACCOUNT_SID: is required for the worker and scheduler roles/);
  });

  it('reads a .env file in the working directory, the environment winning over it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mirror-dotenv-'));
    try {
      writeFileSync(path.join(dir, '.env'), 'SYNC_CRON=sometimes\nPORT=http\nAPI_TOKENS=long-enough-token\n');
      const r = boot({ PORT: '70000' }, dir);
      expect(r.status).toBe(78);
      expect(r.stderr).toMatch(/SYNC_CRON: is not a valid cron expression/); // from the file
      expect(r.stderr).toMatch(/PORT: must not be greater than 65535/); // the environment's value, not the file's
      expect(r.stderr).not.toMatch(/PORT: must be a whole number/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
