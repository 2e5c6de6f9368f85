import { isAccountSid, isServiceSid, isUserSid } from './twilio.sids';

describe('sid checks', () => {
  const hex = 'a'.repeat(16) + 'F0'.repeat(8);

  it('accept a prefix plus 32 hex digits of either case', () => {
    expect(isUserSid(`US${hex}`)).toBe(true);
    expect(isServiceSid(`IS${hex}`)).toBe(true);
    expect(isAccountSid(`AC${hex}`)).toBe(true);
  });

  it.each([`us${'a'.repeat(32)}`, `US${'a'.repeat(31)}`, `US${'a'.repeat(33)}`, `US${'g'.repeat(32)}`, `IS${'a'.repeat(32)}`, ` US${'a'.repeat(32)}`, null, 42, {}])(
    'reject %j as a user sid',
    (v) => expect(isUserSid(v)).toBe(false),
  );

  it('keep prefixes apart', () => {
    expect(isServiceSid(`US${hex}`)).toBe(false);
    expect(isAccountSid(`IS${hex}`)).toBe(false);
  });
});
