import { parseSimEnv, SimEnvError } from '@app/twilio-sim';

describe('parseSimEnv', () => {
  test('defaults', () => {
    expect(parseSimEnv({})).toEqual({
      port: 4010,
      host: '127.0.0.1',
      seed: 1,
      services: [],
      maxInFlightPerAccount: 0,
      retryAfter: 'none',
      latencyMs: 0,
      latencyJitterMs: 0,
      fault5xxRate: 0,
      faultTruncateRate: 0,
      adminToken: undefined,
    });
  });

  test('every variable', () => {
    expect(
      parseSimEnv({
        SIM_PORT: '0',
        SIM_HOST: '0.0.0.0',
        SIM_SEED: '42',
        SIM_SERVICES: '3x2000,1x5',
        SIM_MAX_IN_FLIGHT: '10',
        SIM_RETRY_AFTER: 'http-date',
        SIM_LATENCY_MS: '25',
        SIM_LATENCY_JITTER_MS: '10',
        SIM_FAULT_5XX_RATE: '0.01',
        SIM_FAULT_TRUNCATE_RATE: '.5',
        SIM_ADMIN_TOKEN: 'tok',
      }),
    ).toEqual({
      port: 0,
      host: '0.0.0.0',
      seed: 42,
      services: [
        { services: 3, usersPerService: 2000 },
        { services: 1, usersPerService: 5 },
      ],
      maxInFlightPerAccount: 10,
      retryAfter: 'http-date',
      latencyMs: 25,
      latencyJitterMs: 10,
      fault5xxRate: 0.01,
      faultTruncateRate: 0.5,
      adminToken: 'tok',
    });
    expect(parseSimEnv({ SIM_RETRY_AFTER: '3' }).retryAfter).toBe(3);
  });

  test.each([
    ['SIM_PORT', 'http'],
    ['SIM_PORT', '70000'],
    ['SIM_SEED', '1.5'],
    ['SIM_SERVICES', '3by2000'],
    ['SIM_SERVICES', '1x3000000'],
    ['SIM_MAX_IN_FLIGHT', '-1'],
    ['SIM_RETRY_AFTER', 'soon'],
    ['SIM_LATENCY_MS', '10ms'],
    ['SIM_LATENCY_JITTER_MS', '-5'],
    ['SIM_FAULT_5XX_RATE', '1.5'],
    ['SIM_FAULT_TRUNCATE_RATE', 'often'],
  ])('%s=%s is rejected with a message naming it', (name, value) => {
    expect(() => parseSimEnv({ [name]: value })).toThrow(SimEnvError);
    expect(() => parseSimEnv({ [name]: value })).toThrow(name);
  });
});
