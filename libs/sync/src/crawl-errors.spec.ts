import { registerSecrets } from '@app/redaction';
import { TwilioAuthError, TwilioMalformedResponseError, TwilioNetworkError, TwilioRequestError, TwilioServerError } from '@app/twilio';
import { describeError, RetriesExhaustedError } from './crawl-errors';

const URL_ = 'https://conversations.twilio.com/v1/Services/IS00000000000000000000000000000001/Users?PageSize=50';
// Registered as the service registers its configuration; the text of any error is redacted of it.
const SECRET = 'kT3vQ9zLmW4xR8bN2cY7pH5sJ1dF6gA0';
registerSecrets([{ value: SECRET, users: ['AC11111111111111111111111111111111'] }]);

describe('describeError', () => {
  it("builds a Twilio error's text from status, code, more_info and our own words, not Twilio's message", () => {
    const e = new TwilioAuthError({
      status: 401,
      code: 20003,
      twilioMessage: 'Authenticate: whatever the upstream chose to say',
      moreInfo: 'https://www.twilio.com/docs/errors/20003?utm=x#frag',
      url: URL_,
    });
    expect(describeError(e)).toBe(`TwilioAuthError 401/20003: Twilio refused the credentials (GET ${URL_}); see https://www.twilio.com/docs/errors/20003`);
  });

  it.each([
    ['another host', 'https://proxy.example/docs/errors/20503'],
    ['a host that only starts like twilio.com', 'https://twilio.com.proxy.example/errors/20503'],
    ['plain http', 'http://www.twilio.com/docs/errors/20503'],
    ['not a URL', 'see the docs'],
  ])('leaves out a more_info on %s', (_name, moreInfo) => {
    const e = new TwilioServerError({ status: 503, code: 20503, twilioMessage: 'Service Unavailable', moreInfo, url: URL_ });
    expect(describeError(e)).toBe(`TwilioServerError 503/20503: Twilio failed to serve the request (GET ${URL_})`);
  });

  it("keeps Twilio's message, cut, where the code does not say enough: no code at all, or a refused request", () => {
    const noCode = new TwilioServerError({ status: 502, code: null, twilioMessage: `bad gateway ${'x'.repeat(300)}`, url: URL_ });
    expect(describeError(noCode)).toMatch(/^TwilioServerError 502: Twilio failed to serve the request \(GET .*\); Twilio said: "bad gateway x+…"$/);
    expect(describeError(noCode).length).toBeLessThan(400);
    const refused = new TwilioRequestError({ status: 400, code: 20001, twilioMessage: 'Invalid PageToken', moreInfo: 'https://www.twilio.com/docs/errors/20001', url: URL_ });
    expect(describeError(refused)).toBe(`TwilioRequestError 400/20001: Twilio refused the request (GET ${URL_}); see https://www.twilio.com/docs/errors/20001; Twilio said: "Invalid PageToken"`);
  });

  it('redacts every registered secret, in any form, from whatever text it keeps', () => {
    const echo = `${SECRET.slice(3)} ${SECRET.toUpperCase()} ${Buffer.from(SECRET).toString('base64')}`;
    const texts = [
      describeError(new TwilioServerError({ status: 500, code: null, twilioMessage: echo, url: URL_ })),
      describeError(new TwilioNetworkError({ url: URL_, reason: `ECONNRESET ${echo}` })),
      describeError(new TwilioMalformedResponseError({ status: 200, url: URL_, reason: `meta.key ${echo}`, bodySnippet: echo })),
      describeError(new Error(`database said ${echo}`)),
      describeError(echo),
      describeError(new TwilioServerError({ status: 500, code: 20500, moreInfo: `https://www.twilio.com/docs/${SECRET}`, url: URL_ })),
    ];
    for (const text of texts) {
      expect(text).toContain('[REDACTED]');
      for (let i = 0; i + 8 <= SECRET.length; i++) expect(text.toLowerCase()).not.toContain(SECRET.slice(i, i + 8).toLowerCase());
    }
  });

  it('a malformed body is described by its reason, without the body snippet', () => {
    const e = new TwilioMalformedResponseError({ status: 200, url: URL_, reason: 'body is not JSON', bodySnippet: '<html>proxy page</html>' });
    expect(describeError(e)).toBe(`TwilioMalformedResponseError 200: malformed response to GET ${URL_}: body is not JSON`);
  });

  it('a crawl that gave up names its retries and describes the last error the same way', () => {
    const last = new TwilioServerError({ status: 503, code: 20503, twilioMessage: 'Service Unavailable', url: URL_ });
    expect(describeError(new RetriesExhaustedError(last, 3))).toBe(
      `RetriesExhaustedError: gave up after 3 retries: TwilioServerError 503/20503: Twilio failed to serve the request (GET ${URL_})`,
    );
  });
});
