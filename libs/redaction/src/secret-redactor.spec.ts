import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { REDACTED, SecretRedactor } from './secret-redactor';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const rand = (n: number) => [...randomBytes(n)].map((b) => ALNUM[b % ALNUM.length]).join('');
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** Independent of the redactor: every 8-character run of `form` (case-insensitive) that is still in `text`. */
function survivingWindows(text: string, form: string): string[] {
  const t = text.toLowerCase();
  const f = form.toLowerCase();
  const out: string[] = [];
  for (let i = 0; i + 8 <= f.length; i++) if (t.includes(f.slice(i, i + 8))) out.push(f.slice(i, i + 8));
  return out;
}

describe('SecretRedactor', () => {
  const ACCOUNT = `AC${'0123456789abcdef'.repeat(2)}`;
  const TOKEN = 'q7Vd0Rk2/Lm9+XcPz4Wb8Ty1=Hn6Ju3Ge';
  const redactor = new SecretRedactor([{ value: TOKEN, users: [ACCOUNT] }]);

  describe('each form of a secret', () => {
    const cases: [string, string][] = [
      ['as is', TOKEN],
      ['cut by 3 at the start', TOKEN.slice(3)],
      ['cut by 3 at the end', TOKEN.slice(0, -3)],
      ['a middle stretch of 8', TOKEN.slice(10, 18)],
      ['upper-cased', TOKEN.toUpperCase()],
      ['lower-cased', TOKEN.toLowerCase()],
      ['in mixed case', [...TOKEN].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('')],
      ['URL-encoded', encodeURIComponent(TOKEN)],
      ['URL-encoded, upper-cased', encodeURIComponent(TOKEN).toUpperCase()],
      ['base64 alone', b64(TOKEN)],
      ['base64url alone', b64(TOKEN).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')],
      ['the Basic header value', b64(`${ACCOUNT}:${TOKEN}`)],
      ['URL-encoded base64', encodeURIComponent(b64(TOKEN))],
    ];
    it.each(cases)('%s: replaced, nothing of 8 characters left', (_name, form) => {
      const text = `before ${form} after`;
      const out = redactor.redact(text);
      expect(out).toContain(REDACTED);
      expect(out.startsWith('before ')).toBe(true);
      expect(out.endsWith(' after')).toBe(true);
      expect(survivingWindows(out, form)).toEqual([]);
      expect(survivingWindows(out, TOKEN)).toEqual([]);
    });

    it.each([0, 1, 2])('base64 of a longer text holding the secret at byte offset %i (alone and as the Basic pair)', (offset) => {
      for (const inner of [TOKEN, `${ACCOUNT}:${TOKEN}`]) {
        const encoded = b64(`${'{'.repeat(offset)}${inner}","other":"${rand(20)}"}`);
        const out = redactor.redact(`blob=${encoded};`);
        expect(out).toContain(REDACTED);
        // What is left of the encoded secret: at most 7 characters on either side of the mark.
        const core = b64(`${'{'.repeat(offset)}${inner}`).slice(offset ? 4 : 0, -4);
        expect(survivingWindows(out, core)).toEqual([]);
      }
    });

    it('JSON-escaped, inside a log line that still parses afterwards', () => {
      const odd = new SecretRedactor(['ab"cd\\ef\u0001gh-ijkl']);
      const line = JSON.stringify({ msg: 'x', err: 'echo ab"cd\\ef\u0001gh-ijkl!' });
      const out = odd.redact(line);
      expect(JSON.parse(out)).toEqual({ msg: 'x', err: `echo ${REDACTED}!` });
    });

    it('a stretch that would start or end inside an escape sequence is widened to the whole escape', () => {
      const odd = new SecretRedactor(['"0123456789"']);
      // The JSON text of the value is \"0123456789\": a window match that cut the \" in half would break the line.
      const line = JSON.stringify({ v: 'x"0123456789"y' });
      const out = odd.redact(line);
      expect(() => JSON.parse(out)).not.toThrow();
      expect(JSON.parse(out).v).toBe(`x${REDACTED}y`);
    });
  });

  describe('windows at the edges', () => {
    it('at the very start and the very end of the text', () => {
      expect(redactor.redact(`${TOKEN.slice(0, 8)} tail`)).toBe(`${REDACTED} tail`);
      expect(redactor.redact(`head ${TOKEN.slice(-8)}`)).toBe(`head ${REDACTED}`);
      expect(redactor.redact(TOKEN)).toBe(REDACTED);
      expect(redactor.redact(TOKEN.slice(5, 13))).toBe(REDACTED);
    });

    it('leaves 7 characters of a secret alone: they are not a window', () => {
      const seven = TOKEN.slice(4, 11);
      expect(redactor.redact(`x ${seven} y`)).toBe(`x ${seven} y`);
      expect(redactor.redact(seven)).toBe(seven);
    });

    it('covers exactly the secret characters next to ordinary ones', () => {
      expect(redactor.redact(`zz${TOKEN.slice(2, 12)}zz`)).toBe(`zz${REDACTED}zz`);
    });
  });

  describe('overlapping and neighbouring matches', () => {
    it('one mark for a stretch covered by many overlapping windows, and for the secret twice in a row', () => {
      expect(redactor.redact(`a ${TOKEN}${TOKEN} b`)).toBe(`a ${REDACTED} b`);
    });

    it('one mark for two different secrets that overlap or touch', () => {
      const other = rand(20);
      const two = new SecretRedactor([TOKEN, other]);
      expect(two.redact(`[${TOKEN}${other}]`)).toBe(`[${REDACTED}]`);
      // The second secret starts with the first one's last 8 characters: their windows overlap.
      const overlapping = new SecretRedactor([TOKEN, `${TOKEN.slice(-8)}${other}`]);
      expect(overlapping.redact(`<${TOKEN}${other}>`)).toBe(`<${REDACTED}>`);
    });

    it('two marks for two stretches with a character between them', () => {
      expect(redactor.redact(`${TOKEN.slice(0, 10)}|${TOKEN.slice(12)}`)).toBe(`${REDACTED}|${REDACTED}`);
    });
  });

  describe('short secrets', () => {
    it('a secret under 8 characters is matched whole, in any case, as are its short encodings', () => {
      const short = new SecretRedactor(['pA55w']);
      expect(short.redact('login pA55w ok, PA55W too, pa55w three')).toBe(`login ${REDACTED} ok, ${REDACTED} too, ${REDACTED} three`);
      expect(short.redact('part pA55 stays')).toBe('part pA55 stays');
      expect(short.redact(`b64 ${b64('pA55w')} gone`)).toBe(`b64 ${REDACTED} gone`);
    });

    it('a secret under 4 characters is not matched (it would take every word with it) but its Basic pair still is', () => {
      const tiny = new SecretRedactor([{ value: 'ab1', users: [ACCOUNT] }]);
      expect(tiny.redact('tab1e about ab1')).toBe('tab1e about ab1');
      expect(tiny.redact(`Basic ${b64(`${ACCOUNT}:ab1`)}`)).toBe(`Basic ${REDACTED}`);
    });
  });

  it('returns the very same string when nothing matches, and touches no other text', () => {
    const text = `{"level":30,"url":"http://127.0.0.1:4010/v1/Services/IS${'0a1b'.repeat(8)}/Users?PageSize=50","msg":"page written"}`;
    expect(redactor.redact(text)).toBe(text);
    expect(redactor.containsSecret(text)).toBe(false);
    expect(redactor.containsSecret(`x${TOKEN.slice(1, 9)}`)).toBe(true);
    expect(new SecretRedactor().redact(TOKEN)).toBe(TOKEN);
  });

  it('leaves no 8-character run of a secret in random texts holding random cuts of it, re-cased at random', () => {
    const secrets = Array.from({ length: 5 }, () => rand(32));
    const r = new SecretRedactor(secrets);
    for (let trial = 0; trial < 500; trial++) {
      const s = secrets[trial % secrets.length];
      const from = trial % 12;
      const to = s.length - ((trial * 7) % 12);
      const piece = [...s.slice(from, to)].map((c) => (randomBytes(1)[0] & 1 ? c.toUpperCase() : c.toLowerCase())).join('');
      const text = `${rand(trial % 30)}${piece}${rand((trial * 3) % 30)}`;
      const out = r.redact(text);
      for (const secret of secrets) expect(survivingWindows(out, secret)).toEqual([]);
    }
  });

  describe('long lines', () => {
    // 40 accounts' tokens with their Basic pairs, and 10 API tokens: more than a deployment configures.
    const many = new SecretRedactor([
      ...Array.from({ length: 40 }, () => ({ value: rand(32), users: [`AC${randomBytes(16).toString('hex')}`] })),
      ...Array.from({ length: 10 }, () => rand(24)),
    ]);
    it('a 100 KB log line without a secret comes back as it was', () => {
      const line = JSON.stringify({ msg: 'page written', body: Array.from({ length: 3000 }, () => `US${randomBytes(16).toString('hex')}`).join(',') }).slice(0, 100_000);
      expect(line.length).toBe(100_000);
      expect(many.redact(line)).toBe(line); // how long it takes: bench/redaction
    });

    it('a 100 KB line full of secret material keeps no window of it', () => {
      const token = rand(32);
      const r = new SecretRedactor([token]);
      const line = Array.from({ length: 2500 }, () => `${token.slice(3)} `).join('').slice(0, 100_000);
      expect(survivingWindows(r.redact(line), token)).toEqual([]); // how long it takes: bench/redaction
    });
  });
});
