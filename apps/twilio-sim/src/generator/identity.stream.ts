import { flatString } from '../common/flat-string';
import type { Prng } from '../common/prng';
import { randomHex } from '../common/sid';
import {
  ASCII_FIRST_NAMES,
  ASCII_LAST_NAMES,
  CJK_NAMES,
  EMOJI,
  UNICODE_FIRST_NAMES,
  WORDS,
} from './sample-words';

const LONGEST_GENERATED_IDENTITY = 256;

/** Identities that URL-encode badly: every one of / ? % + # and space, alone and together. */
const AWKWARD = [
  (n: number) => `team/ops/${n}`,
  (n: number) => `who?${n}`,
  (n: number) => `100%-sure-${n}`,
  (n: number) => `a+b+${n}`,
  (n: number) => `hash#tag-${n}`,
  (n: number) => `first last ${n}`,
  (n: number) => `a/b?c=%20&d+e#f ${n}`,
  (n: number) => `  padded ${n}  `,
] as const;

/**
 * Varied identities. Each embeds its ordinal between fixed markers, so they are unique within a service
 * without a lookup; a case twin (`Alice7` then `alice7`) shares one ordinal.
 */
export class IdentityStream {
  private twin: string | null = null;

  constructor(
    private readonly prng: Prng,
    private ordinal: number,
  ) {}

  /** The ordinal the next stream of this service should start from. */
  get nextOrdinal(): number {
    return this.ordinal;
  }

  next(): string {
    if (this.twin !== null) {
      const twin = this.twin;
      this.twin = null;
      return twin;
    }
    return flatString(this.make(this.ordinal++));
  }

  private make(n: number): string {
    const prng = this.prng;
    const roll = prng.int(100);
    if (roll < 28) {
      return `${prng.pick(ASCII_FIRST_NAMES).toLowerCase()}.${prng.pick(ASCII_LAST_NAMES).toLowerCase()}.${n}@example.com`;
    }
    if (roll < 38) return `${prng.pick(UNICODE_FIRST_NAMES).toLowerCase()}.${n}@example.com`;
    if (roll < 46) return `${prng.pick(CJK_NAMES)}_${n}`;
    if (roll < 52) return `${prng.pick(EMOJI)}${prng.pick(WORDS)}-${n}`;
    if (roll < 62) return prng.pick(AWKWARD)(n);
    if (roll < 68) return `${prng.pick(ASCII_FIRST_NAMES)} ${prng.pick(ASCII_LAST_NAMES)} ${n}`;
    if (roll < 72) {
      const head = `long-${n}-${prng.pick(WORDS)}-`;
      return head + 'x'.repeat(LONGEST_GENERATED_IDENTITY - head.length);
    }
    if (roll < 78) {
      const name = prng.pick(ASCII_FIRST_NAMES);
      this.twin = flatString(`${name.toLowerCase()}${n}`);
      return `${name}${n}`;
    }
    if (roll < 88) return `+1555${String(n).padStart(7, '0')}`;
    return `usr_${randomHex(prng, 12)}_${n}`;
  }
}
