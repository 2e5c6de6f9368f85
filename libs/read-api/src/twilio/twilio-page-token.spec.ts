import { decodePageToken, encodePageToken } from './twilio-page-token';
import { parseTwilioListQuery } from './twilio-list.query';

const IS = 'IS' + '1'.repeat(32);
const US = 'US' + '2'.repeat(32);

describe('Twilio page tokens and list parameters', () => {
  it('round-trips a token for its own service only', () => {
    const token = encodePageToken(IS, { page: 3, direction: 'before', sid: US });
    expect(token).toMatch(/^PT[A-Za-z0-9_-]+$/);
    expect(decodePageToken(IS, token)).toEqual({ page: 3, direction: 'before', sid: US });
    expect(decodePageToken('IS' + '9'.repeat(32), token)).toBeNull();
  });

  it('refuses any other spelling of a token', () => {
    const token = encodePageToken(IS, { page: 1, direction: 'after', sid: US });
    for (const bad of [`${token}=`, token.slice(0, -1), token.replace('PT', 'pt'), 'PT', `PT${Buffer.from(`${IS}:1:a:x`).toString('base64url')}`]) {
      expect(decodePageToken(IS, bad)).toBeNull();
    }
  });

  it('defaults PageSize to 50, caps it at 50 as Twilio does, and refuses what is not a positive whole number', () => {
    expect(parseTwilioListQuery(IS, {})).toEqual({ pageSize: 50, page: 0, token: null, cursor: null });
    expect(parseTwilioListQuery(IS, { PageSize: '7', Page: '2' })).toMatchObject({ pageSize: 7, page: 2 });
    expect(parseTwilioListQuery(IS, { PageSize: '1000' }).pageSize).toBe(50);
    for (const PageSize of ['0', '-1', '1.5', 'abc', '', ['1', '2']]) {
      expect(() => parseTwilioListQuery(IS, { PageSize })).toThrow(/Invalid PageSize/);
    }
    expect(() => parseTwilioListQuery(IS, { PageToken: 'PTnope' })).toThrow(/Invalid PageToken/);
  });

  it('takes the page index from the token, not from Page', () => {
    const PageToken = encodePageToken(IS, { page: 4, direction: 'after', sid: US });
    expect(parseTwilioListQuery(IS, { PageToken, Page: '9' })).toMatchObject({ page: 4, token: PageToken, cursor: { sid: US } });
  });
});
