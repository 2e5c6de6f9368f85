import { resolveSimulatorConfig, type SimulatorOptions } from '../../apps/twilio-sim/src/config/simulator-options';
import { BehaviorService } from '../../apps/twilio-sim/src/upstream/behavior.service';
import { LatencyService } from '../../apps/twilio-sim/src/upstream/latency.service';

function latency(options: SimulatorOptions): { service: LatencyService; behavior: BehaviorService } {
  const config = resolveSimulatorConfig(options);
  const behavior = new BehaviorService(config);
  return { service: new LatencyService(config, behavior), behavior };
}

const draws = (service: LatencyService, n: number): number[] => Array.from({ length: n }, () => service.nextDelayMs());

describe('latency jitter', () => {
  test('each request waits latency ± jitter, the same sequence for the same seed, another for another seed', () => {
    const a = draws(latency({ seed: 4, latencyMs: 200, latencyJitterMs: 50 }).service, 200);
    const b = draws(latency({ seed: 4, latencyMs: 200, latencyJitterMs: 50 }).service, 200);
    const c = draws(latency({ seed: 5, latencyMs: 200, latencyJitterMs: 50 }).service, 200);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(150);
    expect(Math.max(...a)).toBeLessThanOrEqual(250);
    expect(Math.min(...a)).toBeLessThan(165);
    expect(Math.max(...a)).toBeGreaterThan(235);
    expect(a.every(Number.isInteger)).toBe(true);
  });

  test('never below zero when the jitter exceeds the latency', () => {
    const values = draws(latency({ latencyMs: 10, latencyJitterMs: 100 }).service, 300);
    expect(Math.min(...values)).toBe(0);
    expect(values.filter((v) => v === 0).length).toBeGreaterThan(50);
    expect(Math.max(...values)).toBeGreaterThan(80);
  });

  test('without jitter the latency is fixed and the stream is not drawn; a reset rewinds it', () => {
    const { service, behavior } = latency({ seed: 8, latencyMs: 30 });
    expect(draws(service, 5)).toEqual([30, 30, 30, 30, 30]);
    behavior.update({ latencyJitterMs: 20 });
    const first = draws(service, 20);
    const fresh = draws(latency({ seed: 8, latencyMs: 30, latencyJitterMs: 20 }).service, 20);
    expect(first).toEqual(fresh);
    service.reset();
    expect(draws(service, 20)).toEqual(first);
  });
});
