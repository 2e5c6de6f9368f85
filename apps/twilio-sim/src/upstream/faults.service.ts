import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { Prng, deriveSeed } from '../common/prng';
import { SIM_CONFIG } from '../config/sim.constants';
import type { SimulatorConfig } from '../config/simulator-options';
import type { TwilioRoute } from '../twilio/sim-request';
import { BehaviorService } from './behavior.service';
import { FAULT_KINDS, FAULT_MATCHES, type FaultKind, type FaultSpec, type PendingFault } from './fault.types';

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
    const parsed = list.map(toPending);
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
  draw(route: TwilioRoute, accountSid: string): FaultKind | null {
    let fired: FaultKind | null = null;
    for (const fault of this.queue) {
      if ((fault.match !== 'any' && fault.match !== route) || (fault.accountSid !== null && fault.accountSid !== accountSid)) {
        continue;
      }
      if (fault.skip > 0) fault.skip--;
      else if (fired === null) {
        fired = fault.kind;
        fault.count--;
      }
    }
    if (fired !== null) {
      this.queue = this.queue.filter((f) => f.count > 0);
      return fired;
    }
    const { fault5xxRate, faultTruncateRate } = this.behavior.current;
    if (fault5xxRate > 0 && this.prng.next() < fault5xxRate) return '503';
    if (faultTruncateRate > 0 && this.prng.next() < faultTruncateRate) return 'truncate';
    return null;
  }
}

function toPending(spec: FaultSpec): PendingFault {
  if (!spec || !FAULT_KINDS.includes(spec.kind)) throw new BadRequestException(`fault kind must be one of ${FAULT_KINDS.join(', ')}`);
  const count = spec.count ?? 1;
  const skip = spec.skip ?? 0;
  const match = spec.match ?? 'any';
  if (!Number.isSafeInteger(count) || count < 1) throw new BadRequestException('fault count must be an integer >= 1');
  if (!Number.isSafeInteger(skip) || skip < 0) throw new BadRequestException('fault skip must be an integer >= 0');
  if (!FAULT_MATCHES.includes(match)) throw new BadRequestException(`fault match must be one of ${FAULT_MATCHES.join(', ')}`);
  if (spec.accountSid !== undefined && typeof spec.accountSid !== 'string') throw new BadRequestException('fault accountSid must be a string');
  return { kind: spec.kind, count, skip, match, accountSid: spec.accountSid ?? null };
}
