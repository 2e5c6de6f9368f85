import pino from 'pino';
import { Gauge } from 'prom-client';
import { Writable } from 'node:stream';
import { parsePrometheusText, valueOf } from '../../../test/support/prometheus-text';
import { MirrorMetrics } from '../src/mirror-metrics';
import { ScrapeReading } from '../src/scrape/scrape-reading';

/** Two gauges fed by one reading, as the outbox's are. */
function setup(read: () => Promise<number>, deadlineMs = 50) {
  const metrics = new MirrorMetrics();
  const lines: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }));
  const reading = new ScrapeReading('postgres', read, metrics, log, deadlineMs);
  for (const name of ['test_a', 'test_b']) {
    new Gauge({
      name,
      help: name,
      registers: [metrics.registry],
      async collect() {
        this.set((await reading.get()) ?? NaN);
      },
    });
  }
  return { scrape: async () => parsePrometheusText(await metrics.registry.metrics()), lines };
}

describe('ScrapeReading', () => {
  it('reads once per scrape for all its gauges, and afresh at the next scrape', async () => {
    let reads = 0;
    const t = setup(async () => ++reads);
    const first = await t.scrape();
    expect([valueOf(first, 'test_a'), valueOf(first, 'test_b'), reads]).toEqual([1, 1, 1]);
    const second = await t.scrape();
    expect([valueOf(second, 'test_a'), valueOf(second, 'test_b'), reads]).toEqual([2, 2, 2]);
  });

  it('gives no value (NaN) when the source fails or hangs, counts it, logs once per outage, and recovers', async () => {
    let mode: 'fail' | 'hang' | 'ok' = 'fail';
    const t = setup(() => (mode === 'fail' ? Promise.reject(new Error('connection refused')) : mode === 'hang' ? new Promise<number>(() => undefined) : Promise.resolve(7)));
    const failed = await t.scrape();
    expect([valueOf(failed, 'test_a'), valueOf(failed, 'test_b')]).toEqual([NaN, NaN]);
    mode = 'hang';
    const hung = await t.scrape(); // answers within the deadline all the same
    expect(valueOf(hung, 'test_a')).toBeNaN();
    expect(valueOf(hung, 'twilio_mirror_scrape_errors_total', { source: 'postgres' })).toBe(1); // the first failure; the second is counted as it happens
    mode = 'ok';
    const back = await t.scrape();
    expect(valueOf(back, 'test_a')).toBe(7);
    expect(valueOf(back, 'twilio_mirror_scrape_errors_total', { source: 'postgres' })).toBe(2);
    expect(t.lines.filter((l) => l.includes('did not answer'))).toHaveLength(1);
    expect(t.lines.filter((l) => l.includes('answers again'))).toHaveLength(1);
  });
});
