import { BadRequestException, PipeTransform } from '@nestjs/common';

const PATTERNS = { US: /^US[0-9a-fA-F]{32}$/, IS: /^IS[0-9a-fA-F]{32}$/, AC: /^AC[0-9a-fA-F]{32}$/ } as const;

/** Rejects a malformed sid with a 400 that says what a good one looks like. */
export class SidPipe implements PipeTransform<string, string> {
  constructor(private readonly prefix: keyof typeof PATTERNS) {}
  transform(value: string): string {
    if (!PATTERNS[this.prefix].test(value)) throw new BadRequestException(`${JSON.stringify(value).slice(0, 60)} is not a ${this.prefix} sid (${this.prefix} + 32 hex digits)`);
    return value;
  }
}
