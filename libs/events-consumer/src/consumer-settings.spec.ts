import { resolveSettings } from './consumer-settings';

const base = { redis: 'redis://x', stream: '{m}:e', group: 'g', consumer: 'c', handler: async () => undefined };

describe('resolveSettings', () => {
  it('applies the documented defaults', () => {
    expect(resolveSettings(base)).toMatchObject({
      batchSize: 50,
      blockMs: 5000,
      maxDeliveries: 5,
      claimIdleMs: 30000,
      claimIntervalMs: 10000,
      retryDelayMs: 500,
      deadLetterStream: '{m}:e:dead',
      startFrom: '$',
      field: 'event',
    });
    expect(resolveSettings({ ...base, claimIdleMs: 400 }).claimIntervalMs).toBe(200);
  });

  it.each([
    [{ stream: '' }, /stream is required/],
    [{ consumer: undefined }, /consumer is required/],
    [{ maxDeliveries: 0 }, /maxDeliveries must be a positive integer/],
    [{ blockMs: 1.5 }, /blockMs must be a positive integer/],
    [{ startFrom: '>' }, /startFrom/],
  ])('rejects %j', (bad, reason) => {
    expect(() => resolveSettings({ ...base, ...bad } as never)).toThrow(reason);
  });
});
