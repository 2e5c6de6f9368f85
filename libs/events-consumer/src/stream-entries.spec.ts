import { compareIds, deadLetterFields, toEntries } from './stream-entries';

describe('stream entries', () => {
  it('orders ids numerically', () => {
    expect(compareIds('10-0', '9-0')).toBe(1);
    expect(compareIds('9-1', '9-10')).toBe(-1);
    expect(compareIds('18446744073709551615-0', '18446744073709551614-5')).toBe(1);
    expect(compareIds('3-0', '3')).toBe(0);
  });

  it('keeps the original fields of a dead letter and lets meta win a name clash', () => {
    expect(deadLetterFields(['event', '{}', 'error', 'x'], { error: 'boom', original_id: '1-0' })).toEqual([
      'event',
      '{}',
      'error',
      'boom',
      'original_id',
      '1-0',
    ]);
    expect(deadLetterFields(null, { error: 'trimmed' })).toEqual(['error', 'trimmed']);
  });

  it('reads an XREADGROUP reply, trimmed entries included', () => {
    expect(toEntries(null, 1)).toEqual([]);
    expect(toEntries([['s', [['1-0', ['event', '{}']], ['2-0', null]]]], 1)).toEqual([
      { id: '1-0', fields: ['event', '{}'], deliveries: 1 },
      { id: '2-0', fields: null, deliveries: 1 },
    ]);
  });
});
