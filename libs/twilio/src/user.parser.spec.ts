import { parseListEnvelope, parseListPage } from './list-page.parser';
import { parseUser } from './user.parser';

const hex = (n: number) => n.toString(16).padStart(32, '0');
const SERVICE = `IS${hex(1)}`;
const ACCOUNT = `AC${hex(2)}`;
const BASE = 'https://conversations.twilio.com';

function user(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const sid = `US${hex(n)}`;
  return {
    sid,
    account_sid: ACCOUNT,
    chat_service_sid: SERVICE,
    role_sid: `RL${hex(3)}`,
    identity: `identity-${n}`,
    friendly_name: `Name ${n}`,
    attributes: JSON.stringify({ department: 'sales', tags: ['a', 'b'], n }),
    is_online: null,
    is_notifiable: null,
    date_created: '2019-12-16T22:18:37Z',
    date_updated: '2019-12-16T22:18:38.123Z',
    url: `${BASE}/v1/Services/${SERVICE}/Users/${sid}`,
    links: { user_conversations: `${BASE}/v1/Services/${SERVICE}/Users/${sid}/Conversations` },
    ...overrides,
  };
}

describe('parseUser', () => {
  it('keeps every field of a well-formed user and nothing else', () => {
    const r = parseUser({ ...user(1), is_online: true, is_notifiable: false, brand_new_field: 1 }, SERVICE);
    expect(r).toEqual({ ok: true, value: { ...user(1), is_online: true, is_notifiable: false } });
  });

  it('turns missing fields into null: only sid is required', () => {
    const r = parseUser({ sid: `US${hex(5)}` }, SERVICE);
    expect(r).toEqual({
      ok: true,
      value: {
        sid: `US${hex(5)}`,
        account_sid: null,
        chat_service_sid: null,
        role_sid: null,
        identity: null,
        friendly_name: null,
        attributes: null,
        is_online: null,
        is_notifiable: null,
        date_created: null,
        date_updated: null,
        url: null,
        links: null,
      },
    });
  });

  it('accepts uppercase hex sids, "{}" attributes, offset dates, a date without time, and leap days', () => {
    expect(parseUser(user(1, { date_created: '2000-02-29T00:00:00Z', date_updated: '2024-12-31T23:59:59Z' }), SERVICE)).toMatchObject({ ok: true });
    const r = parseUser(user(1, { sid: `US${'ABCDEF01'.repeat(4)}`, attributes: '{}', date_created: '2020-02-29T10:00:00+01:00', date_updated: '2020-03-01' }), SERVICE);
    expect(r.ok).toBe(true);
  });

  it('drops non-string link entries instead of rejecting the user', () => {
    const r = parseUser(user(1, { links: { a: 'https://x', b: 3 } }), SERVICE);
    expect(r).toMatchObject({ ok: true, value: { links: { a: 'https://x' } } });
  });

  it.each<[string, unknown, RegExp]>([
    ['null record', null, /null, not an object/],
    ['array record', [], /array, not an object/],
    ['string record', 'US', /string, not an object/],
    ['missing sid', user(1, { sid: undefined }), /not a user sid/],
    ['short sid', user(1, { sid: 'US123' }), /not a user sid/],
    ['sid of another type', user(1, { sid: `IS${hex(1)}` }), /not a user sid/],
    ['non-hex sid', user(1, { sid: `US${'g'.repeat(32)}` }), /not a user sid/],
    ['sid with a trailing newline', user(1, { sid: `US${hex(1)}\n` }), /not a user sid/],
    ['another service', user(1, { chat_service_sid: `IS${hex(9)}` }), /chat_service_sid/],
    ['bad account sid', user(1, { account_sid: 'ACnope' }), /account_sid/],
    ['bad role sid', user(1, { role_sid: 42 }), /role_sid/],
    ['numeric identity', user(1, { identity: 42 }), /identity/],
    ['object friendly_name', user(1, { friendly_name: {} }), /friendly_name/],
    ['attributes as an object', user(1, { attributes: { a: 1 } }), /attributes is not a JSON string/],
    ['attributes that are not JSON', user(1, { attributes: '{a:1}' }), /attributes is not valid JSON/],
    ['string is_online', user(1, { is_online: 'true' }), /is_online/],
    ['numeric is_notifiable', user(1, { is_notifiable: 0 }), /is_notifiable/],
    ['unparseable date_created', user(1, { date_created: 'yesterday' }), /date_created/],
    ['impossible month', user(1, { date_created: '2019-13-01T00:00:00Z' }), /date_created/],
    ['impossible hour', user(1, { date_created: '2019-12-01T24:00:00Z' }), /date_created/],
    ['February 30', user(1, { date_created: '2024-02-30T00:00:00Z' }), /date_created/],
    ['February 29 of a common year', user(1, { date_created: '2023-02-29T00:00:00Z' }), /date_created/],
    ['February 29 of 1900 (not a leap year)', user(1, { date_updated: '1900-02-29' }), /date_updated/],
    ['April 31', user(1, { date_updated: '2024-04-31T10:00:00+02:00' }), /date_updated/],
    ['year 0000 (Postgres has no year 0)', user(1, { date_created: '0000-01-01T00:00:00Z' }), /date_created/],
    ['date with a space instead of T', user(1, { date_created: '2019-12-01 10:00:00Z' }), /date_created/],
    ['epoch number date_updated', user(1, { date_updated: 1576534717 }), /date_updated/],
    ['non-ISO date string', user(1, { date_updated: 'Mon, 16 Dec 2019 22:18:37 GMT' }), /date_updated/],
    ['numeric url', user(1, { url: 1 }), /url/],
    ['links array', user(1, { links: ['x'] }), /links/],
  ])('rejects a %s', (_name, raw, reason) => {
    const r = parseUser(raw, SERVICE);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toMatch(reason);
      expect(r.sid).toBe(raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { sid?: unknown }).sid : undefined);
    }
  });

  it('with checkAttributesJson off, needs attributes only to be a string (the mirror checks them when it writes)', () => {
    const lax = parseUser(user(1, { attributes: '{a:1}' }), SERVICE, { checkAttributesJson: false });
    expect(lax).toMatchObject({ ok: true, value: { attributes: '{a:1}' } });
    expect(parseUser(user(1, { attributes: { a: 1 } }), SERVICE, { checkAttributesJson: false })).toMatchObject({ ok: false });
  });
});


describe('list page envelopes the client refuses', () => {
  const base = 'https://conversations.twilio.com';
  const url = `${base}/v1/Services/IS${'0'.repeat(32)}/Users?PageSize=2`;
  const body = (records: number, next: string | null) => ({ users: Array.from({ length: records }, () => ({})), meta: { key: 'users', next_page_url: next } });
  const envelope = (b: unknown, at = url) => parseListEnvelope(b, { key: 'users', origin: base, url: at });

  it('a page with more records than its PageSize asked for', () => {
    expect(envelope(body(2, null))).toMatchObject({ ok: true });
    expect(envelope(body(3, null))).toEqual({ ok: false, reason: 'the page holds 3 records, more than the 2 its PageSize asked for' });
    // No PageSize in the URL: Twilio's default, 50.
    expect(envelope(body(51, null), `${base}/v1/Services/IS${'0'.repeat(32)}/Users`)).toMatchObject({ ok: false });
  });

  it.each(['\u0000', '\n', '\u001f', '\u007f'])('a next_page_url with the control character %j', (c) => {
    expect(envelope(body(1, `${url}&PageToken=PT${c}1`))).toEqual({ ok: false, reason: 'meta.next_page_url contains a control character' });
  });
});
