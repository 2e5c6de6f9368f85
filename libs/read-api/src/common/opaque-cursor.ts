import { createHash } from 'node:crypto';
import { BadRequestException } from '@nestjs/common';

/**
 * Keyset cursor: the sort key of the last row served, bound to the query it was issued for. The fingerprint
 * makes a cursor from one query (other service, other filters) a 400 on another instead of a wrong page.
 */
export function queryFingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 12);
}

export function encodeCursor(after: string, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ v: 1, a: after, f: fingerprint }), 'utf8').toString('base64url');
}

/** `accept` checks the decoded key (e.g. that it is a sid); anything off is a 400 that says so. */
export function decodeCursor(cursor: string | undefined, fingerprint: string, accept: (after: string) => boolean): string | null {
  if (cursor === undefined) return null;
  const bad = () => new BadRequestException('cursor is not a cursor this API issued: pass next_cursor from the previous page unchanged');
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const p = parsed as { v?: unknown; a?: unknown; f?: unknown } | null;
  if (!p || typeof p !== 'object' || p.v !== 1 || typeof p.a !== 'string' || typeof p.f !== 'string' || !accept(p.a)) throw bad();
  if (p.f !== fingerprint) throw new BadRequestException('cursor was issued for a different query: keep the same service and filters while paging');
  return p.a;
}
