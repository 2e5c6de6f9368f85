import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { SIM_CONFIG } from '../config/sim.constants';
import { behaviorProblem, type SimBehavior } from '../config/sim-behavior';
import type { SimulatorConfig } from '../config/simulator-options';

/** The upstream behaviour in force; starts from the options and changes at run time through the admin. */
@Injectable()
export class BehaviorService {
  private behavior: SimBehavior;

  constructor(@Inject(SIM_CONFIG) private readonly config: SimulatorConfig) {
    this.behavior = { ...config.behavior };
  }

  /** The live object, read on every request; never mutate it from outside. */
  get current(): Readonly<SimBehavior> {
    return this.behavior;
  }

  update(patch: Partial<SimBehavior>): SimBehavior {
    const problem = behaviorProblem(patch);
    if (problem) throw new BadRequestException(problem);
    const next = { ...this.behavior };
    for (const key of Object.keys(patch) as Array<keyof SimBehavior>) {
      if (patch[key] !== undefined) Object.assign(next, { [key]: patch[key] });
    }
    this.behavior = next;
    return { ...next };
  }

  reset(): void {
    this.behavior = { ...this.config.behavior };
  }

  /** Headers of a 429: none (Twilio's usual), delta-seconds, or an HTTP-date two seconds ahead. */
  retryAfterHeaders(): Record<string, string> {
    const mode = this.behavior.retryAfter;
    if (mode === 'none') return {};
    if (mode === 'http-date') return { 'Retry-After': new Date(Date.now() + 2000).toUTCString() };
    return { 'Retry-After': String(mode) };
  }
}
