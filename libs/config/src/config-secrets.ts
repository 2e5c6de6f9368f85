import type { SecretSpec } from '@app/redaction';
import { AppConfig } from './app-config';

/**
 * Every secret in the configuration, each with the Basic user name it is sent with: each Twilio account's
 * auth token (user: the account sid) or API key secret (user: the key sid) and, beside a key, the auth token that
 * checks its webhook signatures (never sent, but a secret all the same), the read-API tokens (sent
 * as Bearer, or as the password of any user name on the Twilio-compatible surface and the status page), and
 * the scrapers' METRICS_TOKEN.
 */
export function configuredSecrets(config: AppConfig): SecretSpec[] {
  const secrets: SecretSpec[] = config.twilio.accounts.flatMap((a): SecretSpec[] =>
    a.kind === 'token'
      ? [{ value: a.authToken, users: [a.accountSid] }]
      : [{ value: a.apiKeySecret, users: [a.apiKeySid] }, ...(a.authToken ? [{ value: a.authToken, users: [a.accountSid] }] : [])],
  );
  for (const token of config.api.tokens) secrets.push({ value: token });
  if (config.metrics.token !== null) secrets.push({ value: config.metrics.token });
  return secrets;
}
