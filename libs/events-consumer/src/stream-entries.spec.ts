import { deadLetterFields, toEntries } from './stream-entries';

describe('stream entries', () => {
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
