import type { SecretSpec } from '@app/redaction';
import { AppConfig } from './app-config';

/**
 * Every secret in the configuration, each with the Basic user name it is sent with: each Twilio account's
 * auth token (user: the account sid) or API key secret (user: the key sid), and the read-API tokens (sent
 * as Bearer, or as the password of an account or API key sid on the Twilio-compatible surface).
 */
export function configuredSecrets(config: AppConfig): SecretSpec[] {
  const secrets: SecretSpec[] = config.twilio.accounts.map((a) =>
    a.kind === 'token' ? { value: a.authToken, users: [a.accountSid] } : { value: a.apiKeySecret, users: [a.apiKeySid] },
  );
  for (const token of config.api.tokens) secrets.push({ value: token });
  return secrets;
}
