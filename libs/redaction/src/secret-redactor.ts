import { secretForms, SecretInput } from './secret-forms';

/** What a redacted stretch of text becomes. */
export const REDACTED = '[REDACTED]';
/** The shortest run of a secret's characters that may not survive redaction. */
export const SECRET_WINDOW = 8;
/** A form shorter than the window is matched whole, unless shorter than this: such text is everywhere. */
export const MIN_WHOLE_FORM = 4;

/**
 * A window of 8 always holds a whole 4-character gram that starts at a multiple of 4. So the scan reads
 * only those grams, against a bitset of every gram of every form: ordinary text costs one look-up per 4
 * characters, and only a gram that is in the set has the windows around it checked exactly.
 */
const GRAM = SECRET_WINDOW / 2;
const FILTER_LOG2 = 20;
const FILTER_BITS = 1 << FILTER_LOG2;
const HASH_KEY_MASK = 0x3fffffff;
// Bound once: jest's vm contexts make every `Math.imul` look-up on a hot path many times slower.
const imul = Math.imul;
/** 31^7 mod 2^32: what the character leaving a window weighs in its hash. */
const POW_LAST = Array.from({ length: SECRET_WINDOW - 1 }).reduce<number>((x) => imul(x, 31), 1);

/**
 * Redacts every stretch of text made of secret material: any 8 characters in a row of any form of a secret
 * (secretForms: as is, re-cased, URL/JSON-escaped, base64 alone or in a Basic pair at any alignment), matched
 * ASCII-case-insensitively in one pass, each maximal covered stretch replaced by `[REDACTED]`. So a secret
 * cut short, re-cased or encoded still loses every run of 8 of its characters, and what is left of it around
 * a `[REDACTED]` is at most 7 characters on either side.
 *
 * Written here rather than taken from a library: the npm redaction libraries (pino's redact, fast-redact)
 * censor by object path, not by content, and none matches encoded fragments of a value. Sampled grams in front
 * of hashed windows keep the cost linear in the text and independent of how many secrets there are.
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
        const key = windowHash(w, 0) & HASH_KEY_MASK;
        const bucket = this.windows.get(key);
        if (bucket?.includes(w)) continue;
        if (bucket) bucket.push(w);
        else this.windows.set(key, [w]);
      }
      for (let i = 0; i + GRAM <= folded.length; i++) {
        const bit = gramBit(folded, i);
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
    const lastWindow = text.length - SECRET_WINDOW;
    let checked = -1; // windows starting at or before this are done
    let h = 0; // hash of the window at checked, rolled on while candidate windows follow each other
    for (let p = 0; p + GRAM <= text.length; p += GRAM) {
      const bit = gramBit(text, p);
      if (!((filter[bit >>> 5] >>> (bit & 31)) & 1)) continue;
      // The windows that hold the gram at p start from p - 4 to p.
      const to = Math.min(p, lastWindow);
      for (let i = Math.max(p - GRAM, checked + 1); i <= to; i++) {
        h = i === checked + 1 && i > 0 ? rollHash(h, text, i) : windowHash(text, i);
        checked = i;
        if (!matchesAny(windows.get(h & HASH_KEY_MASK), text, i)) continue;
        const last = found.length - 1;
        // Windows come in order: one that overlaps or touches the stretch before extends it.
        if (last > 0 && found[last] >= i) found[last] = i + SECRET_WINDOW;
        else found.push(i, i + SECRET_WINDOW);
      }
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

/** Hash of the ASCII-folded window text[at, at+8). */
function windowHash(text: string, at: number): number {
  let h = 0;
  for (let k = at; k < at + SECRET_WINDOW; k++) h = (imul(h, 31) + fold(text.charCodeAt(k))) | 0;
  return h;
}

/** The hash of the window at `at`, from that of the window one character before it. */
function rollHash(previous: number, text: string, at: number): number {
  const leaving = imul(fold(text.charCodeAt(at - 1)), POW_LAST);
  return (imul((previous - leaving) | 0, 31) + fold(text.charCodeAt(at + SECRET_WINDOW - 1))) | 0;
}

/** The filter bit of the ASCII-folded gram text[at, at+4). */
function gramBit(text: string, at: number): number {
  let g = 0;
  for (let k = at; k < at + GRAM; k++) g = (imul(g, 131) + fold(text.charCodeAt(k))) | 0;
  return imul(g, 0x9e3779b1) >>> (32 - FILTER_LOG2);
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
