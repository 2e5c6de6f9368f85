import { Inject, Injectable } from '@nestjs/common';
import { Prng, deriveSeed } from '../common/prng';
import { SIM_CONFIG } from '../config/sim.constants';
import type { SimulatorConfig } from '../config/simulator-options';
import type { TwilioRoute } from '../twilio/sim-request';
import { BehaviorService } from './behavior.service';
import { parseFaultSpec } from './fault-spec.parser';
import type { DrawnFault, FaultSpec, PendingFault } from './fault.types';

/** Decides which fault, if any, an admitted request gets: queued one-shot faults first, then random ones. */
@Injectable()
export class FaultsService {
  private queue: PendingFault[] = [];
  private prng: Prng;

  constructor(
    @Inject(SIM_CONFIG) private readonly config: SimulatorConfig,
    private readonly behavior: BehaviorService,
  ) {
    this.prng = new Prng(deriveSeed(config.seed, 'faults'));
  }

  enqueue(specs: FaultSpec | readonly FaultSpec[]): number {
    const list = Array.isArray(specs) ? specs : [specs as FaultSpec];
    const parsed = list.map(parseFaultSpec);
    this.queue.push(...parsed);
    return this.queue.length;
  }

  pending(): PendingFault[] {
    return this.queue.map((f) => ({ ...f }));
  }

  clear(): void {
    this.queue = [];
  }

  /** Clears the queue and rewinds the random-fault stream to the seed. */
  reset(): void {
    this.clear();
    this.prng = new Prng(deriveSeed(this.config.seed, 'faults'));
  }

  /**
   * Every matching entry still skipping counts this request; the first one done skipping fires.
   * Random faults draw from the seeded stream only when their rate is set, so runs replay exactly.
   */
  draw(route: TwilioRoute, accountSid: string): DrawnFault | null {
    let fired: DrawnFault | null = null;
    for (const fault of this.queue) {
      if ((fault.match !== 'any' && fault.match !== route) || (fault.accountSid !== null && fault.accountSid !== accountSid)) {
        continue;
      }
      if (fault.skip > 0) fault.skip--;
      else if (fired === null) {
        const { count: _count, skip: _skip, match: _match, accountSid: _account, ...drawn } = fault;
        fired = drawn;
        fault.count--;
      }
    }
    if (fired !== null) {
      this.queue = this.queue.filter((f) => f.count > 0);
      return fired;
    }
    const { fault5xxRate, faultTruncateRate } = this.behavior.current;
    if (fault5xxRate > 0 && this.prng.next() < fault5xxRate) return { kind: '503' };
    if (faultTruncateRate > 0 && this.prng.next() < faultTruncateRate) return { kind: 'truncate' };
    return null;
  }
}
