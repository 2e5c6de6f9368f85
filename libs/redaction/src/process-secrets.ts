import { SecretInput } from './secret-forms';
import { SecretRedactor } from './secret-redactor';

/**
 * The secrets this process was configured with (every Twilio account's token or API key secret, the read-API
 * tokens), registered once at start-up. The logger's last line of defence and the text a crawl stores for an
 * error read them here, so neither needs the configuration threaded to every place that logs or fails.
 */
const processSecrets = new SecretRedactor();

export function registerSecrets(secrets: Iterable<SecretInput>): void {
  for (const s of secrets) processSecrets.add(s);
}

/** Redacts every registered secret, in any form, from text about to leave the process. */
export function redactRegisteredSecrets(text: string): string {
  return processSecrets.redact(text);
}
