import { parseArgs } from 'node:util';
import { AppConfig, ConfigError, loadConfig, loadDotEnv, TwilioAccountAuth } from '@app/config';
import { TwilioClient, TwilioError, TwilioServiceWebhookConfig, TwilioWebhookConfig } from '@app/twilio';
import { overridesAccountHooks, planRegistration, registered } from '@app/webhooks';

const USAGE = `Registers the mirror's webhook URL on the Twilio accounts it mirrors (account-level /v1/Configuration/Webhooks).

  npm run webhooks -- status   [--url <public url>] [--account AC…]
  npm run webhooks -- register  --url <public url>  [--account AC…] [--force]

--url defaults to WEBHOOK_PUBLIC_URL. register adds onUserAdded and onUserUpdated to the account's Filters and sets
its PostWebhookUrl when it has none; it never replaces an existing URL (or a Flex target) without --force, and
never removes a filter. Credentials come from the service's own configuration (TWILIO_*, .env).`;

/** Exit codes: 0 done, 1 refused or not as expected, 2 usage, 78 configuration. */
async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { url: { type: 'string' }, account: { type: 'string' }, force: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command] = parsed.positionals;
  if (parsed.values.help || (command !== 'status' && command !== 'register') || parsed.positionals.length > 1) {
    if (parsed.values.help) console.log(USAGE);
    else console.error(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  let config: AppConfig;
  try {
    loadDotEnv();
    config = loadConfig(process.env, { forRoles: false });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    return 78;
  }
  const url = parsed.values.url ?? config.webhooks.publicUrl;
  if (command === 'register' && !url) {
    console.error('register needs the URL Twilio is to call: --url <public url> (or WEBHOOK_PUBLIC_URL)');
    return 2;
  }
  if (url && !/^https?:\/\/[^\s#]+$/.test(url)) {
    console.error(`--url must be the http(s) URL Twilio calls, without a fragment: ${url}`);
    return 2;
  }
  const accounts = config.twilio.accounts.filter((a) => !parsed.values.account || a.accountSid === parsed.values.account);
  if (!accounts.length) {
    console.error(parsed.values.account ? `account ${parsed.values.account} is not configured (TWILIO_ACCOUNT_SID, TWILIO_ACCOUNTS)` : 'no Twilio account is configured (TWILIO_ACCOUNT_SID, TWILIO_ACCOUNTS)');
    return 78;
  }
  let code = 0;
  for (const auth of accounts) {
    const client = new TwilioClient({ baseUrl: config.twilio.baseUrl, auth, timeoutMs: config.twilio.timeoutMs });
    try {
      const ok = command === 'status' ? await status(client, config, auth, url) : await register(client, config, auth, url!, parsed.values.force!);
      if (!ok) code = 1;
    } catch (e) {
      console.error(`  ${e instanceof TwilioError ? `${e.name} ${e.status ?? ''}: ${e.message}` : (e as Error).message}`);
      code = 1;
    } finally {
      await client.close();
    }
  }
  return code;
}

async function status(client: TwilioClient, config: AppConfig, auth: TwilioAccountAuth, url: string | null): Promise<boolean> {
  const current = await client.fetchWebhookConfig();
  console.log(`account ${auth.accountSid}`);
  describe(current);
  let ok = true;
  if (url) {
    ok = registered(current, url);
    console.log(ok ? `  registered: the user post-events go to ${url}` : `  NOT registered for ${url} (npm run webhooks -- register --url ${url})`);
  }
  if (!auth.authToken) console.log('  note: no auth token is configured for this account; the api role cannot check its webhook signatures');
  await warnAboutServices(client, config, auth.accountSid);
  return ok;
}

async function register(client: TwilioClient, config: AppConfig, auth: TwilioAccountAuth, url: string, force: boolean): Promise<boolean> {
  const current = await client.fetchWebhookConfig();
  console.log(`account ${auth.accountSid}`);
  const plan = planRegistration(current, url, force);
  for (const r of plan.refused) console.log(`  refused: ${r}`);
  for (const w of plan.warnings) console.log(`  warning: ${w}`);
  if (plan.refused.length) {
    console.log('  nothing changed');
    describe(current);
    return false;
  }
  let after = current;
  if (plan.update) {
    after = await client.updateWebhookConfig(plan.update);
    for (const c of plan.changes) console.log(`  changed: ${c}`);
  } else {
    console.log('  nothing to change: already registered');
  }
  describe(after);
  const ok = registered(after, url);
  if (!ok) console.log(`  NOT registered: Twilio answered a configuration that does not send the user post-events to ${url}`);
  console.log('  note: changes made through Twilio\'s REST API fire these webhooks only when the caller sends X-Twilio-Webhook-Enabled: true; the crawl catches the others');
  await warnAboutServices(client, config, auth.accountSid);
  return ok;
}

function describe(c: TwilioWebhookConfig): void {
  console.log(`  PostWebhookUrl ${c.postWebhookUrl ?? '(none)'}, Method ${c.method ?? '(unset)'}, Target ${c.target ?? '(unset)'}`);
  console.log(`  Filters ${c.filters.length ? c.filters.join(', ') : '(none)'}`);
}

/** Services with webhooks of their own get no account-level hooks: their users reach the mirror by crawl only. */
async function warnAboutServices(client: TwilioClient, config: AppConfig, accountSid: string): Promise<void> {
  const configured = config.twilio.services.filter((s) => s.accountSid === accountSid).map((s) => s.serviceSid);
  const sids: string[] = configured.length ? configured : [];
  if (!configured.length) for await (const s of client.listServices()) sids.push(s.sid);
  for (const sid of sids) {
    let own: TwilioServiceWebhookConfig;
    try {
      own = await client.fetchServiceWebhookConfig(sid);
    } catch (e) {
      console.log(`  warning: service ${sid}: its webhook configuration could not be read (${(e as Error).message})`);
      continue;
    }
    if (overridesAccountHooks(own)) {
      console.log(
        `  warning: service ${sid} has webhooks of its own (${own.postWebhookUrl ?? own.preWebhookUrl}): Twilio sends its events there instead, ` +
          'so the mirror gets no user webhooks for it; the crawl still mirrors it',
      );
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`webhooks: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
