import { parseRetryAfter } from './retry-after.parser';

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');

  it.each<[string | string[] | undefined | null, number | null]>([
    ['3', 3000],
    ['0', 0],
    [' 120 ', 120_000],
    ['1.5', 1500],
    [['7', '9'], 7000],
    ['Wed, 01 May 2024 12:00:10 GMT', 10_000],
    ['Wed, 01 May 2024 11:59:00 GMT', 0],
    [undefined, null],
    [null, null],
    ['', null],
    ['-3', null],
    ['soon', null],
    ['2024', 2_024_000],
    ['2024-05-01', null],
  ])('%j -> %j', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
