import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSimulator, type RunningSimulator } from '@app/twilio-sim';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../dist/apps/mirror/src/webhooks-cli.js');

/** `npm run webhooks --` against the simulator's /v1/Configuration/Webhooks, with the credentials of the service's config. */
describe('webhooks CLI', () => {
  let sim: RunningSimulator;
  let env: Record<string, string>;

  async function cli(...args: string[]): Promise<{ code: number; out: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 });
      return { code: 0, out: stdout + stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, out: err.stdout + err.stderr };
    }
  }

  beforeAll(async () => {
    sim = await startSimulator({ seed: 5, services: '2x3' });
    // An API key for requests (least privilege), as the README recommends.
    env = { TWILIO_ACCOUNT_SID: sim.accountSid, TWILIO_API_KEY: sim.apiKeySid, TWILIO_API_SECRET: sim.apiKeySecret, TWILIO_BASE_URL: sim.url, LOG_LEVEL: 'silent' };
  });
  afterAll(() => sim?.close());
  beforeEach(() => {
    sim.admin.configureWebhooks(sim.accountSid, { postWebhookUrl: null, preWebhookUrl: null, method: 'POST', filters: ['onMessageAdded'], target: 'webhook' });
    for (const s of sim.serviceSids) sim.admin.configureServiceWebhooks(s, { postWebhookUrl: null, preWebhookUrl: null, filters: [] });
  });

  const URL = 'https://mirror.example.com/webhooks/twilio';

  it('status says what the account sends where, and that the mirror is not registered yet', async () => {
    const { code, out } = await cli('status', '--url', URL);
    expect(code).toBe(1);
    expect(out).toContain(`account ${sim.accountSid}`);
    expect(out).toContain('PostWebhookUrl (none), Method POST, Target webhook');
    expect(out).toContain('Filters onMessageAdded');
    expect(out).toContain(`NOT registered for ${URL}`);
    expect(out).toContain('no auth token is configured for this account');
  });

  it('register sets the URL and adds the user events, keeping the other filters; again, it changes nothing', async () => {
    const first = await cli('register', '--url', URL);
    expect(first.code).toBe(0);
    expect(first.out).toContain('changed: Filters: onUserAdded, onUserUpdated added (kept: onMessageAdded)');
    expect(first.out).toContain(`changed: PostWebhookUrl: (none) -> ${URL}`);
    expect(first.out).toContain('X-Twilio-Webhook-Enabled: true');
    expect(sim.admin.getWebhooks(sim.accountSid)).toMatchObject({ post_webhook_url: URL, filters: ['onMessageAdded', 'onUserAdded', 'onUserUpdated'], method: 'POST' });
    const again = await cli('register', '--url', URL);
    expect(again.code).toBe(0);
    expect(again.out).toContain('nothing to change: already registered');
    expect((await cli('status', '--url', URL)).code).toBe(0);
    // The credentials are never printed.
    expect(first.out + again.out).not.toContain(sim.apiKeySecret);
  });

  it("never replaces someone else's URL without --force, and says what --force replaced", async () => {
    sim.admin.configureWebhooks(sim.accountSid, { postWebhookUrl: 'https://app.example.com/conversations' });
    const refused = await cli('register', '--url', URL);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('refused: PostWebhookUrl is already https://app.example.com/conversations');
    expect(refused.out).toContain('nothing changed');
    expect(sim.admin.getWebhooks(sim.accountSid)).toMatchObject({ post_webhook_url: 'https://app.example.com/conversations', filters: ['onMessageAdded'] });
    const forced = await cli('register', '--url', URL, '--force');
    expect(forced.code).toBe(0);
    expect(forced.out).toContain(`changed: PostWebhookUrl: https://app.example.com/conversations -> ${URL} (--force)`);
    expect(forced.out).toContain("warning: https://app.example.com/conversations no longer receives the account's Conversations post-events");
    expect(sim.admin.getWebhooks(sim.accountSid)).toMatchObject({ post_webhook_url: URL, filters: ['onMessageAdded', 'onUserAdded', 'onUserUpdated'] });
  });

  it('warns about a service whose own webhooks silence the account-level ones', async () => {
    const [quiet] = sim.serviceSids;
    sim.admin.configureServiceWebhooks(quiet, { postWebhookUrl: 'https://service.example.com/hooks', filters: ['onMessageAdded'] });
    const { code, out } = await cli('register', '--url', URL);
    expect(code).toBe(0);
    expect(out).toContain(`warning: service ${quiet} has webhooks of its own (https://service.example.com/hooks)`);
    expect(out).not.toContain(`service ${sim.serviceSids[1]} has webhooks`);
  });

  it('refuses a Flex target without --force, and says what it needs', async () => {
    sim.admin.configureWebhooks(sim.accountSid, { target: 'flex' });
    const { code, out } = await cli('register', '--url', URL);
    expect(code).toBe(1);
    expect(out).toContain('refused: Target is flex');
    expect(sim.admin.getWebhooks(sim.accountSid)).toMatchObject({ target: 'flex', post_webhook_url: null });
    expect((await cli('register')).code).toBe(2); // no URL: usage
  });
});
