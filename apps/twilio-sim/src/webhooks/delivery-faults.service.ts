import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { Prng, deriveSeed } from '../common/prng';
import { SIM_CONFIG } from '../config/sim.constants';
import type { SimulatorConfig } from '../config/simulator-options';
import { NO_WEBHOOK_FAULTS, webhookFaultsProblem, type WebhookFaults } from './delivery-faults';

/** What happens to one event: dropped, or sent as one or two copies after these delays. */
export interface DeliveryPlan {
  drop: boolean;
  delaysMs: number[];
}

interface AccountFaults {
  faults: WebhookFaults;
  prng: Prng;
}

/**
 * Per-account webhook delivery faults. The account's stream is drawn in a fixed order per event (drop, duplicate,
 * then one delay per copy, each only when its setting is on), so the same seed and the same events give the same
 * drops, duplicates, delays and shuffles.
 */
@Injectable()
export class DeliveryFaultsService {
  private readonly accounts = new Map<string, AccountFaults>();

  constructor(@Inject(SIM_CONFIG) private readonly config: SimulatorConfig) {}

  get(accountSid: string): WebhookFaults {
    return { ...(this.accounts.get(accountSid)?.faults ?? NO_WEBHOOK_FAULTS) };
  }

  /** Merges the patch into the account's settings and restarts its stream from the seed. */
  set(accountSid: string, patch: Partial<WebhookFaults>): WebhookFaults {
    const problem = webhookFaultsProblem(patch ?? {});
    if (problem) throw new BadRequestException(problem);
    const faults = { ...this.get(accountSid) };
    for (const [key, value] of Object.entries(patch)) if (value !== undefined) Object.assign(faults, { [key]: value });
    this.accounts.set(accountSid, { faults, prng: new Prng(faults.seed ?? deriveSeed(this.config.seed, 'webhooks', accountSid)) });
    return { ...faults };
  }

  clear(accountSid: string): void {
    this.accounts.delete(accountSid);
  }

  reset(): void {
    this.accounts.clear();
  }

  plan(accountSid: string): DeliveryPlan {
    const entry = this.accounts.get(accountSid);
    if (!entry) return { drop: false, delaysMs: [0] };
    const { faults, prng } = entry;
    if (faults.dropRate > 0 && prng.next() < faults.dropRate) return { drop: true, delaysMs: [] };
    const copies = faults.duplicateRate > 0 && prng.next() < faults.duplicateRate ? 2 : 1;
    const delaysMs = Array.from({ length: copies }, () => {
      if (faults.delayJitterMs === 0) return faults.delayMs;
      return Math.max(0, Math.round(faults.delayMs + (prng.next() * 2 - 1) * faults.delayJitterMs));
    });
    return { drop: false, delaysMs };
  }

  /** Shuffles held copies; a shuffle that changed nothing is rotated, so a released batch is never in order. */
  shuffle<T>(accountSid: string, items: readonly T[]): T[] {
    const out = [...items];
    const prng = this.accounts.get(accountSid)?.prng;
    if (!prng || out.length < 2) return out;
    for (let i = out.length - 1; i > 0; i--) {
      const j = prng.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    if (out.every((item, i) => item === items[i])) out.push(out.shift() as T);
    return out;
  }
}
