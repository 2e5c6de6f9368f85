import { randomBytes } from 'node:crypto';
import { base64Core, secretForms } from './secret-forms';

describe('base64Core', () => {
  it('is found in the base64 of any text that holds the bytes at that alignment, whatever surrounds them', () => {
    for (let trial = 0; trial < 300; trial++) {
      const bytes = randomBytes(1 + (trial % 40));
      const before = randomBytes(trial % 7);
      const after = randomBytes((trial * 5) % 4);
      const encoded = Buffer.concat([before, bytes, after]).toString('base64');
      const core = base64Core(bytes, (before.length % 3) as 0 | 1 | 2);
      expect(encoded).toContain(core);
    }
  });

  it('keeps every character whose bits all come from the bytes: 4 per 3 bytes at offset 0, fewer elsewhere', () => {
    const bytes = Buffer.from('abcdef');
    expect(base64Core(bytes, 0)).toBe('YWJjZGVm');
    // At offset 1 the first character mixes 6 bits of the byte before; the last mixes the byte after.
    expect(base64Core(bytes, 1)).toBe(Buffer.from('\0abcdef\0\0').toString('base64').slice(2, 9));
    expect(base64Core(bytes, 1)).toHaveLength(Math.floor((8 * 7) / 6) - Math.ceil(8 / 6));
  });
});

describe('secretForms', () => {
  const secret = 'Se cret/+tök"\\x';
  const forms = secretForms({ value: secret, users: ['AC0123'] });

  it.each([
    ['as is', secret],
    ['upper-cased', secret.toUpperCase()],
    ['lower-cased', secret.toLowerCase()],
    ['URL-encoded', encodeURIComponent(secret)],
    ['form-encoded', new URLSearchParams({ a: secret }).toString().slice(2)],
    ['JSON-escaped', JSON.stringify(secret).slice(1, -1)],
    ['base64 alone', Buffer.from(secret).toString('base64')],
    ['the Basic header value', Buffer.from(`AC0123:${secret}`).toString('base64')],
  ])('holds the secret %s', (_name, form) => {
    expect(forms).toContain(form);
  });

  it('holds base64 of the secret and of the pair at the other two alignments, and their URL-safe and URL-encoded forms', () => {
    for (const text of [secret, `AC0123:${secret}`]) {
      for (const offset of [1, 2] as const) {
        const core = base64Core(Buffer.from(text), offset);
        expect(forms).toEqual(expect.arrayContaining([core, core.replace(/\+/g, '-').replace(/\//g, '_'), encodeURIComponent(core)]));
      }
    }
  });

  it('has nothing for an empty secret', () => {
    expect(secretForms('')).toEqual([]);
  });
});
