import { BadRequestException } from '@nestjs/common';
import { decodeCursor, encodeCursor, queryFingerprint } from './opaque-cursor';

const SID = 'US' + 'a'.repeat(32);
const isUs = (a: string) => /^US[0-9a-f]{32}$/.test(a);

describe('opaque keyset cursor', () => {
  const fp = queryFingerprint(['IS1', { role: 'RL1' }]);

  it('round-trips the key for the query it was issued for', () => {
    expect(decodeCursor(encodeCursor(SID, fp), fp, isUs)).toBe(SID);
    expect(decodeCursor(undefined, fp, isUs)).toBeNull();
  });

  it('refuses a cursor of another query with a message that says so', () => {
    const other = queryFingerprint(['IS1', { role: 'RL2' }]);
    expect(() => decodeCursor(encodeCursor(SID, fp), other, isUs)).toThrow(/different query/);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('{"v":1').toString('base64url')],
    ['wrong version', Buffer.from(JSON.stringify({ v: 2, a: SID, f: 'x' })).toString('base64url')],
    ['key of the wrong kind', Buffer.from(JSON.stringify({ v: 1, a: "' OR 1=1", f: 'x' })).toString('base64url')],
    ['too long', 'a'.repeat(600)],
  ])('refuses %s as a 400', (_name, cursor) => {
    expect(() => decodeCursor(cursor, fp, isUs)).toThrow(BadRequestException);
  });
});
