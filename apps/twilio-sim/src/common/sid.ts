import type { Prng } from './prng';

export type SidPrefix = 'AC' | 'IS' | 'US' | 'RL' | 'SK';

const PATTERNS: Record<SidPrefix, RegExp> = {
  AC: /^AC[0-9a-fA-F]{32}$/,
  IS: /^IS[0-9a-fA-F]{32}$/,
  US: /^US[0-9a-fA-F]{32}$/,
  RL: /^RL[0-9a-fA-F]{32}$/,
  SK: /^SK[0-9a-fA-F]{32}$/,
};

export function isSid(prefix: SidPrefix, value: unknown): value is string {
  return typeof value === 'string' && PATTERNS[prefix].test(value);
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');
const scratch = Buffer.alloc(34);

function writeWord(word: number, offset: number): void {
  let v = word >>> 0;
  for (let j = 7; j >= 0; j--) {
    scratch[offset + j] = HEX[v & 15] as number;
    v >>>= 4;
  }
}

/**
 * Builds a sid whose hex starts with `hi` (most significant nibble first), so the numeric order of
 * `hi` agrees with the string order of the sids — bulk creation sorts a million sids by that number.
 * Decoding a buffer yields one flat string (no cons-string overhead per sid in a million-user table).
 */
export function sidFromWords(prefix: SidPrefix, hi: number, w1: number, w2: number, w3: number): string {
  scratch[0] = prefix.charCodeAt(0);
  scratch[1] = prefix.charCodeAt(1);
  writeWord(hi, 2);
  writeWord(w1, 10);
  writeWord(w2, 18);
  writeWord(w3, 26);
  return scratch.toString('latin1', 0, 34);
}

export function randomSid(prefix: SidPrefix, prng: Prng): string {
  return sidFromWords(prefix, prng.uint32(), prng.uint32(), prng.uint32(), prng.uint32());
}

export function randomHex(prng: Prng, length: number): string {
  let out = '';
  while (out.length < length) out += prng.uint32().toString(16).padStart(8, '0');
  return out.slice(0, length);
}
