import twilio from 'twilio';
import { formParams, readUserHint, signedUrl } from './webhook-request';

const AC = 'AC' + 'a'.repeat(32);
const IS = 'IS' + 'b'.repeat(32);
const US = 'US' + 'c'.repeat(32);

describe('webhook requests', () => {
  it('reads form parameters as sent: + is a space, escapes decoded, a repeated name keeps every value', () => {
    expect(formParams('EventType=onUserAdded&Identity=zo%C3%AB+%2B%26&Filters=a&Filters=b&Empty=')).toEqual({
      EventType: 'onUserAdded',
      Identity: 'zoë +&',
      Filters: ['a', 'b'],
      Empty: '',
    });
  });

  it('signs a POST over the public URL as configured, and a GET over it with the query as received', () => {
    const pub = 'https://hooks.example.com/mirror/twilio?tenant=a';
    expect(signedUrl(pub, { method: 'POST', rawQuery: 'tenant=a' })).toBe(pub);
    expect(signedUrl(pub, { method: 'GET', rawQuery: 'tenant=a&EventType=onUserAdded&Identity=a%20b' })).toBe(
      'https://hooks.example.com/mirror/twilio?tenant=a&EventType=onUserAdded&Identity=a%20b',
    );
    expect(signedUrl('https://hooks.example.com/t', { method: 'GET', rawQuery: '' })).toBe('https://hooks.example.com/t');
  });

  it("matches the official package: a signature made over the public URL and the form's parameters validates with what is read here", () => {
    const pub = 'https://hooks.example.com:8443/mirror/twilio?tenant=a';
    const body = new URLSearchParams({ EventType: 'onUserUpdated', AccountSid: AC, ChatServiceSid: IS, UserSid: US, Attributes: '{"x":"ü +"}' }).toString();
    const params = formParams(body);
    const signature = twilio.getExpectedTwilioSignature('the-auth-token', pub, params as Record<string, string>);
    expect(twilio.validateRequest('the-auth-token', signature, signedUrl(pub, { method: 'POST', rawQuery: 'tenant=a' }), params)).toBe(true);
    expect(twilio.validateRequest('the-auth-token', signature, 'http://10.0.0.5:3000/webhooks/twilio?tenant=a', params)).toBe(false);
  });

  it('takes a user post-event as a hint naming the user by sid, else by identity; anything else is ignored with why', () => {
    const base = { EventType: 'onUserUpdated', AccountSid: AC, ChatServiceSid: IS };
    expect(readUserHint({ ...base, UserSid: US, Identity: 'ana' }, AC)).toEqual({ kind: 'hint', eventType: 'onUserUpdated', accountSid: AC, serviceSid: IS, user: US });
    expect(readUserHint({ ...base, EventType: 'onUserAdded', Identity: 'ana' }, AC)).toMatchObject({ kind: 'hint', user: 'ana' });
    expect(readUserHint({ ...base, UserSid: 'not-a-sid', Identity: 'ana' }, AC)).toMatchObject({ kind: 'hint', user: 'ana' });
    const ignored = (params: Record<string, string | string[]>) => readUserHint(params, AC);
    expect(ignored({ ...base, EventType: 'onUserUpdate', UserSid: US })).toMatchObject({ kind: 'ignored', reason: 'not a user post-event (onUserUpdate)' });
    expect(ignored({ ...base, EventType: 'onMessageAdded' })).toMatchObject({ kind: 'ignored', eventType: 'onMessageAdded' });
    expect(ignored({ ...base, ChatServiceSid: 'IS123', UserSid: US })).toMatchObject({ kind: 'ignored', reason: 'ChatServiceSid is missing or not a service sid' });
    expect(ignored({ ...base, ChatServiceSid: [IS, IS], UserSid: US })).toMatchObject({ kind: 'ignored' });
    expect(ignored({ ...base })).toMatchObject({ kind: 'ignored', reason: 'names no user (no UserSid nor Identity)' });
    expect(ignored({ ...base, Identity: '..' })).toMatchObject({ kind: 'ignored' });
  });
});
