/** A secret, and the user names it is sent with in HTTP Basic (`user:secret`), when it is one half of a pair. */
export interface SecretSpec {
  value: string;
  users?: readonly string[];
}

export type SecretInput = string | SecretSpec;

export function toSpec(input: SecretInput): SecretSpec {
  return typeof input === 'string' ? { value: input } : input;
}

/**
 * The base64 characters that depend only on `bytes` when they sit at byte offset 0, 1 or 2 of a longer
 * encoded text: character m covers bits [6m, 6m+6) of the stream, and is kept when those bits all belong to
 * `bytes`. Whatever surrounds them, a text holding these bytes at that alignment holds these characters.
 */
export function base64Core(bytes: Buffer, offset: 0 | 1 | 2): string {
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
  const first = Math.ceil((8 * offset) / 6);
  const end = Math.floor((8 * (offset + bytes.length)) / 6);
  return encoded.slice(first, end);
}

const OFFSETS = [0, 1, 2] as const;

/**
 * Every way a secret can be written out, one string each: as is, upper- and lower-cased (letters outside
 * ASCII; the matcher folds ASCII case itself), URL-, form- and JSON-escaped, and base64 (standard and URL-safe,
 * raw and URL-encoded) of the secret alone and of each Basic `user:secret` pair, at each of the three
 * alignments it can take inside a longer encoded text.
 */
export function secretForms(input: SecretInput): string[] {
  const { value, users = [] } = toSpec(input);
  if (value === '') return [];
  const forms = new Set<string>();
  const addText = (s: string) => {
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(new URLSearchParams({ s }).toString().slice(2)); // form encoding: space as +, more characters escaped
    forms.add(encodeURI(s));
    forms.add(JSON.stringify(s).slice(1, -1));
  };
  for (const text of [value, value.toLowerCase(), value.toUpperCase()]) addText(text);

  const addBase64 = (bytes: Buffer) => {
    forms.add(bytes.toString('base64')); // whole, as a header carries it: its padded tail too
    for (const offset of OFFSETS) {
      const core = base64Core(bytes, offset);
      const urlSafe = core.replace(/\+/g, '-').replace(/\//g, '_');
      for (const s of [core, urlSafe]) {
        forms.add(s);
        forms.add(encodeURIComponent(s));
      }
    }
  };
  addBase64(Buffer.from(value, 'utf8'));
  for (const user of users) addBase64(Buffer.from(`${user}:${value}`, 'utf8'));
  forms.delete('');
  return [...forms];
}
