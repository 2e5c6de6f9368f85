import { mayLosePrecision } from './json-precision';

describe('mayLosePrecision', () => {
  it.each([
    ['{"id":12345678901234567}', true], // 17 digits
    ['{"id":1234567890123456}', true], // 16 digits
    ['{"x":1234567.123456789}', true], // 16 significant digits around a dot
    ['{"x":0.30000000000000001}', true],
    ['{"x":1e21}', true],
    ['{"x":2.5E-7}', true],
    ['{"id":123456789012345}', false], // 15 digits: every such number is a distinct double
    ['{"x":3.14159,"n":[1,2,3],"s":"abc"}', false],
    ['{"phone":"+14155550100"}', false],
    [null, false],
  ])('%s → %s', (text, expected) => {
    expect(mayLosePrecision(text)).toBe(expected);
  });
});
