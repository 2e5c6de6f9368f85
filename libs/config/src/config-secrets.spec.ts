import { configuredSecrets } from './config-secrets';
import { loadConfig } from './load-config';

describe('configuredSecrets', () => {
  it("names every account's token or API key secret with its Basic user name, every read-API token and METRICS_TOKEN", () => {
    const AC1 = `AC${'1'.repeat(32)}`;
    const AC2 = `AC${'2'.repeat(32)}`;
    const AC3 = `AC${'3'.repeat(32)}`;
    const SK = `SK${'4'.repeat(32)}`;
    const config = loadConfig({
      TWILIO_ACCOUNT_SID: AC1,
      TWILIO_AUTH_TOKEN: 'token-one-value',
      TWILIO_ACCOUNTS: `${AC2}:${SK}:key-secret-two:webhook-token-two,${AC3}:token-three-value`,
      API_TOKENS: 'read-token-a1,read-token-b2',
      METRICS_TOKEN: 'scrape-token-c3',
    });
    expect(configuredSecrets(config)).toEqual([
      { value: 'token-one-value', users: [AC1] },
      { value: 'key-secret-two', users: [SK] },
      { value: 'webhook-token-two', users: [AC2] },
      { value: 'token-three-value', users: [AC3] },
      { value: 'read-token-a1' },
      { value: 'read-token-b2' },
      { value: 'scrape-token-c3' },
    ]);
  });
});
