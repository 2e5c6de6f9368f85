import { ReplayPacer } from './replay-pacer';

describe('ReplayPacer', () => {
  it('lets a second\'s worth through at once, then holds to the rate', () => {
    const pacer = new ReplayPacer(1000);
    const t = 1_000_000;
    expect(pacer.reserve(500, t)).toBe(0);
    expect(pacer.reserve(500, t)).toBe(0); // the burst: 1,000 events at once
    expect(pacer.reserve(500, t)).toBe(500); // then 500 events take 500 ms
    expect(pacer.reserve(1000, t + 500)).toBe(1000);
  });

  it('forgets a backlog once idle: a subscriber that paused starts with a full burst again', () => {
    const pacer = new ReplayPacer(1000);
    expect(pacer.reserve(3000, 0)).toBe(2000);
    expect(pacer.reserve(1000, 60_000)).toBe(0);
  });

  it('takes the process budget after the subscriber\'s own share', async () => {
    const process = new ReplayPacer(1000, 100);
    const a = new ReplayPacer(1_000_000, 1000, process);
    const b = new ReplayPacer(1_000_000, 1000, process);
    const t0 = Date.now();
    await Promise.all([a.take(150), b.take(150)]); // 300 events at 1,000/s with a 100 ms burst: about 200 ms
    expect(Date.now() - t0).toBeGreaterThanOrEqual(180);
    expect(Date.now() - t0).toBeLessThan(1500);
  });
});
