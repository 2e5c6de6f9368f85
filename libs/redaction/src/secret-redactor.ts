import { secretForms, SecretInput } from './secret-forms';

/** What a redacted stretch of text becomes. */
export const REDACTED = '[REDACTED]';
/** The shortest run of a secret's characters that may not survive redaction. */
export const SECRET_WINDOW = 8;
/** A form shorter than the window is matched whole, unless shorter than this: such text is everywhere. */
export const MIN_WHOLE_FORM = 4;

// A bitset of window hashes in front of the exact check: most positions of most text cost a shift and a load.
const FILTER_BITS = 1 << 20;
const HASH_KEY_MASK = 0x3fffffff;
/**
 * The window hash is h = Σ c·31^(7-k) mod 2^32, rolled one character at a time. ×31 is a shift and a
 * subtraction, and what the character leaving the window contributed comes from a table: no Math.imul on
 * the hot path, which some hosts (jest's vm contexts) run far slower than plain integer arithmetic.
 */
const LEAVING = buildLeavingTable();

/**
 * Redacts every stretch of text made of secret material: any 8 characters in a row of any form of a secret
 * (secretForms: as is, re-cased, URL/JSON-escaped, base64 alone or in a Basic pair at any alignment), matched
 * ASCII-case-insensitively in one pass, each maximal covered stretch replaced by `[REDACTED]`. So a secret
 * cut short, re-cased or encoded still loses every run of 8 of its characters, and what is left of it around
 * a `[REDACTED]` is at most 7 characters on either side.
 *
 * Written here rather than taken from a library: the npm redaction libraries (pino's redact, fast-redact)
 * censor by object path, not by content, and none matches encoded fragments of a value. A rolling hash over
 * 8-character windows keeps the cost linear in the text and independent of how many secrets there are.
 */
export class SecretRedactor {
  /** Folded windows by hash (30 bits, so keys stay small integers). */
  private readonly windows = new Map<number, string[]>();
  private readonly wholeForms = new Set<string>();
  private readonly filter = new Uint32Array(FILTER_BITS >>> 5);
  private readonly known = new Set<string>();

  constructor(secrets: Iterable<SecretInput> = []) {
    for (const s of secrets) this.add(s);
  }

  /** Adds a secret (and the Basic user names it is sent with). Idempotent. */
  add(secret: SecretInput): this {
    const key = typeof secret === 'string' ? secret : `${secret.value}\u0000${(secret.users ?? []).join('\u0000')}`;
    if (this.known.has(key)) return this;
    this.known.add(key);
    for (const form of secretForms(secret)) {
      const folded = foldAscii(form);
      if (folded.length < SECRET_WINDOW) {
        if (folded.length >= MIN_WHOLE_FORM) this.wholeForms.add(folded);
        continue;
      }
      for (let i = 0; i + SECRET_WINDOW <= folded.length; i++) {
        const w = folded.slice(i, i + SECRET_WINDOW);
        const h = windowHash(w);
        const bucket = this.windows.get(h & HASH_KEY_MASK);
        if (bucket?.includes(w)) continue;
        if (bucket) bucket.push(w);
        else this.windows.set(h & HASH_KEY_MASK, [w]);
        const bit = mix(h);
        this.filter[bit >>> 5] |= 1 << (bit & 31);
      }
    }
    return this;
  }

  /** The text with every stretch of secret material replaced; the same string when there was none. */
  redact(text: string): string {
    const spans = this.spans(text);
    if (spans.length === 0) return text;
    let out = '';
    let at = 0;
    for (let i = 0; i < spans.length; i += 2) {
      out += text.slice(at, spans[i]) + REDACTED;
      at = spans[i + 1];
    }
    return out + text.slice(at);
  }

  /** Whether the text holds any secret material redact() would replace. */
  containsSecret(text: string): boolean {
    return this.spans(text).length > 0;
  }

  /** Maximal covered stretches as flat [start, end) pairs, in order, widened to whole escape sequences. */
  private spans(text: string): number[] {
    const found: number[] = [];
    if (this.windows.size > 0 && text.length >= SECRET_WINDOW) this.scanWindows(text, found);
    if (this.wholeForms.size > 0) this.scanWholeForms(text, found);
    if (found.length === 0) return found;
    return merge(text, found);
  }

  private scanWindows(text: string, found: number[]): void {
    const { filter, windows } = this;
    const n = text.length;
    let h = 0;
    for (let i = 0; i < SECRET_WINDOW; i++) h = (times31(h) + fold(text.charCodeAt(i))) | 0;
    for (let i = 0; ; i++) {
      const bit = mix(h);
      if ((filter[bit >>> 5] >>> (bit & 31)) & 1 && matchesAny(windows.get(h & HASH_KEY_MASK), text, i)) {
        const last = found.length - 1;
        // Windows come in order: one that overlaps or touches the stretch before extends it.
        if (last > 0 && found[last] >= i) found[last] = i + SECRET_WINDOW;
        else found.push(i, i + SECRET_WINDOW);
      }
      if (i + SECRET_WINDOW >= n) break;
      const out = fold(text.charCodeAt(i));
      const inc = fold(text.charCodeAt(i + SECRET_WINDOW));
      h = (times31((h - LEAVING[out]) | 0) + inc) | 0;
    }
  }

  private scanWholeForms(text: string, found: number[]): void {
    const folded = foldAscii(text);
    for (const form of this.wholeForms) {
      for (let at = folded.indexOf(form); at >= 0; at = folded.indexOf(form, at + 1)) found.push(at, at + form.length);
    }
  }
}

function fold(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** ASCII lower-casing only: it keeps every index in place (toLowerCase may not, e.g. for 'İ'). */
function foldAscii(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

function windowHash(folded: string): number {
  let h = 0;
  for (let i = 0; i < SECRET_WINDOW; i++) h = (times31(h) + folded.charCodeAt(i)) | 0;
  return h;
}

function times31(h: number): number {
  return ((h << 5) - h) | 0;
}

/** c·31^7 mod 2^32 for every UTF-16 code unit c. */
function buildLeavingTable(): Int32Array {
  let pow = 1;
  for (let i = 0; i < SECRET_WINDOW - 1; i++) pow = Math.imul(pow, 31);
  const table = new Int32Array(0x10000);
  for (let c = 0; c < table.length; c++) table[c] = Math.imul(c, pow);
  return table;
}

/** Whether text[at, at+8), ASCII-folded, is one of the candidate windows; compares codes, allocates nothing. */
function matchesAny(candidates: string[] | undefined, text: string, at: number): boolean {
  if (!candidates) return false;
  outer: for (const w of candidates) {
    for (let k = 0; k < SECRET_WINDOW; k++) if (fold(text.charCodeAt(at + k)) !== w.charCodeAt(k)) continue outer;
    return true;
  }
  return false;
}

/** The filter's bit for a window hash: its high bits folded onto the low ones. */
function mix(h: number): number {
  return (h ^ (h >>> 11) ^ (h >>> 21)) & (FILTER_BITS - 1);
}

/**
 * Sorts and merges [start, end) pairs into maximal stretches (touching ones joined), each widened so it
 * neither starts nor ends inside a backslash escape: cutting `\"` or `\u0041` in half would leave a JSON
 * log line that no longer parses.
 */
function merge(text: string, flat: number[]): number[] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([escapeStart(text, flat[i]), escapeEnd(text, flat[i + 1])]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    const last = out.length - 1;
    if (last > 0 && s <= out[last]) out[last] = Math.max(out[last], e);
    else out.push(s, e);
  }
  return out;
}

const BACKSLASH = 92;

/** The start of the escape sequence (`\x` or `\uXXXX`) that position p falls strictly inside, else p. */
function escapeStart(text: string, p: number): number {
  for (let q = p - 1; q >= 0 && q >= p - 5; q--) {
    if (text.charCodeAt(q) !== BACKSLASH) continue;
    let run = 0;
    for (let r = q; r >= 0 && text.charCodeAt(r) === BACKSLASH; r--) run++;
    // An even run ends with an escaped backslash: the escape it belongs to ends at q, before p.
    if (run % 2 === 0) return p;
    return q + escapeLength(text, q) > p ? q : p;
  }
  return p;
}

/** The end of the escape sequence that an exclusive end e falls strictly inside, else e. */
function escapeEnd(text: string, e: number): number {
  const q = escapeStart(text, e);
  return q === e ? e : Math.min(text.length, q + escapeLength(text, q));
}

function escapeLength(text: string, backslash: number): number {
  return text.charCodeAt(backslash + 1) === 117 /* u */ ? 6 : 2;
}
