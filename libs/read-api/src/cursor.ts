import { BadRequestException } from '@nestjs/common';

/** Opaque keyset cursor: the sort key of the last row of the previous page. */
export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ k: key }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | null {
  if (cursor === undefined || cursor === '') return null;
  try {
    if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) throw new Error();
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed?.k !== 'string') throw new Error();
    return parsed.k;
  } catch {
    throw new BadRequestException('cursor is not a cursor this API issued');
  }
}
