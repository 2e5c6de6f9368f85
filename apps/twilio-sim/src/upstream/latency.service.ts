import { Inject, Injectable } from '@nestjs/common';
import { Prng, deriveSeed } from '../common/prng';
import { SIM_CONFIG } from '../config/sim.constants';
import type { SimulatorConfig } from '../config/simulator-options';
import { BehaviorService } from './behavior.service';

/**
 * How long each admitted request waits: latencyMs ± a uniform jitter, rounded to whole ms and never below 0.
 * The jitter comes from its own seeded stream, drawn only when jitter is set, so the n-th admitted request
 * of two simulators with the same seed waits the same time and the random-fault stream is left untouched.
 */
@Injectable()
export class LatencyService {
  private prng: Prng;

  constructor(
    @Inject(SIM_CONFIG) private readonly config: SimulatorConfig,
    private readonly behavior: BehaviorService,
  ) {
    this.prng = new Prng(deriveSeed(config.seed, 'latency'));
  }

  nextDelayMs(): number {
    const { latencyMs, latencyJitterMs } = this.behavior.current;
    if (latencyJitterMs === 0) return latencyMs;
    const offset = (this.prng.next() * 2 - 1) * latencyJitterMs;
    return Math.max(0, Math.round(latencyMs + offset));
  }

  /** Rewinds the jitter stream to the seed. */
  reset(): void {
    this.prng = new Prng(deriveSeed(this.config.seed, 'latency'));
  }
}
