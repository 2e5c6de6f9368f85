import { BadRequestException, PipeTransform } from '@nestjs/common';

export const SID_PATTERNS = {
  US: /^US[0-9a-fA-F]{32}$/,
  IS: /^IS[0-9a-fA-F]{32}$/,
  AC: /^AC[0-9a-fA-F]{32}$/,
  RL: /^RL[0-9a-fA-F]{32}$/,
} as const;
export type SidPrefix = keyof typeof SID_PATTERNS;

export function isSid(prefix: SidPrefix, value: unknown): boolean {
  return typeof value === 'string' && SID_PATTERNS[prefix].test(value);
}

/** Echoes at most a short, JSON-quoted head of what the client sent, so a 400 never reflects much input. */
export function quoteInput(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

export function sidProblem(prefix: SidPrefix, value: unknown): string {
  return `${quoteInput(value)} is not a valid ${prefix} sid (${prefix} followed by 32 hex digits)`;
}

/** Rejects a malformed sid with a 400 that says what a good one looks like. */
export class SidPipe implements PipeTransform<string, string> {
  constructor(private readonly prefix: SidPrefix) {}

  transform(value: string): string {
    if (!isSid(this.prefix, value)) throw new BadRequestException(sidProblem(this.prefix, value));
    return value;
  }
}
