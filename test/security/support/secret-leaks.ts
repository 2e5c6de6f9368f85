/**
 * The test's own account of what a secret looks like in text, written independently of the service's
 * redactor so the e2e check does not grade the redactor with itself.
 */
export interface PlantedSecret {
  label: string;
  value: string;
  /** The Basic user name sent with it (account sid or API key sid), when it is a Twilio credential. */
  user?: string;
}

export interface Leak {
  where: string;
  secret: string;
  form: string;
  /** The text around the hit, to tell what leaked from where. */
  context: string;
}

const WINDOW = 8;
const b64 = (bytes: Buffer) => bytes.toString('base64');

/**
 * The base64 characters that depend only on `text`, when `text` sits at byte offset 0, 1 or 2 of a longer
 * encoded buffer: drop the quad that mixes in the bytes before it and the quad that mixes in those after.
 */
function base64Inner(text: string, offset: 0 | 1 | 2): string {
  const enc = b64(Buffer.concat([Buffer.alloc(offset, 0x7e), Buffer.from(text, 'utf8'), Buffer.from('~~~')]));
  return enc.slice(offset === 0 ? 0 : 4, -8);
}

/** Every form the service must never let through, by name. */
export function secretForms(s: PlantedSecret): Record<string, string> {
  const forms: Record<string, string> = {
    raw: s.value,
    'url-encoded': encodeURIComponent(s.value),
    base64: b64(Buffer.from(s.value, 'utf8')),
  };
  for (const offset of [0, 1, 2] as const) forms[`base64 at offset ${offset}`] = base64Inner(s.value, offset);
  if (s.user) {
    forms['basic header'] = b64(Buffer.from(`${s.user}:${s.value}`, 'utf8'));
    for (const offset of [1, 2] as const) forms[`basic pair at offset ${offset}`] = base64Inner(`${s.user}:${s.value}`, offset);
  }
  return forms;
}

/** Every 8-character window of every form, lower-cased (the check is case-insensitive). */
export function leakFinder(secrets: PlantedSecret[]): (where: string, text: string) => Leak[] {
  const windows = new Map<string, { secret: string; form: string }>();
  for (const s of secrets) {
    for (const [form, value] of Object.entries(secretForms(s))) {
      const v = value.toLowerCase();
      for (let i = 0; i + WINDOW <= v.length; i++) if (!windows.has(v.slice(i, i + WINDOW))) windows.set(v.slice(i, i + WINDOW), { secret: s.label, form });
    }
  }
  return (where, text) => {
    const lower = text.toLowerCase();
    const leaks: Leak[] = [];
    let skipTo = 0;
    for (let i = 0; i + WINDOW <= lower.length; i++) {
      const hit = windows.get(lower.slice(i, i + WINDOW));
      if (!hit || i < skipTo) continue;
      leaks.push({ where, ...hit, context: text.slice(Math.max(0, i - 60), i + 60) });
      skipTo = i + 60; // one report per stretch of text
    }
    return leaks;
  };
}
