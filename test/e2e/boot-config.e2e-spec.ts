import { spawnSync } from 'node:child_process';
import path from 'node:path';

const MAIN = path.resolve(__dirname, '../../dist/apps/mirror/src/main.js');

/** The built service, started with a bad environment: a clear message and a non-zero exit, nothing else. */
describe('boot with a bad configuration', () => {
  function boot(env: Record<string, string>) {
    return spawnSync(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 });
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
    expect(r.stderr).toMatch(/API_TOKENS: each token must be at least 8 characters/);
    expect(r.stderr + r.stdout).not.toContain('secret-token-value');
  });

  it('refuses worker and scheduler roles without Twilio credentials', () => {
    const r = boot({ ROLES: 'worker,scheduler' });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/TWILIO_ACCOUNT_SID: is required for the worker and scheduler roles/);
  });
});
