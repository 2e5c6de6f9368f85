import { BadRequestException, PipeTransform } from '@nestjs/common';

/** Longest identity a lookup accepts; Twilio's own limit is 256 characters, so this never refuses a real one. */
export const MAX_IDENTITY_LENGTH = 1024;

/** PostgreSQL text cannot hold NUL: a NUL in a parameter would fail the query, so it is refused as a 400 first. */
export const NO_NUL = /^[^\u0000]*$/;

/** Search text: no C0 control characters (NUL, and U+001F that separates the searched fields). */
export const NO_CONTROL = /^[^\u0000-\u001f]*$/;

/** A path segment that is a sid or an identity: non-empty, bounded, no NUL. */
export class SidOrIdentityPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || value.length === 0) throw new BadRequestException('a user sid or identity is required');
    if (value.length > MAX_IDENTITY_LENGTH) throw new BadRequestException(`an identity is at most ${MAX_IDENTITY_LENGTH} characters`);
    if (!NO_NUL.test(value)) throw new BadRequestException('an identity cannot contain a NUL character');
    return value;
  }
}
