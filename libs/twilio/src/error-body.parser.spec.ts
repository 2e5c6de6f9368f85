import { parseErrorBody } from './error-body.parser';

describe('parseErrorBody', () => {
  it("reads Twilio's error shape", () => {
    const body = JSON.stringify({ code: 20404, message: 'The requested resource was not found', more_info: 'https://www.twilio.com/docs/errors/20404', status: 404 });
    expect(parseErrorBody(body)).toEqual({ code: 20404, message: 'The requested resource was not found', moreInfo: 'https://www.twilio.com/docs/errors/20404' });
  });

  it('accepts a numeric-string code and ignores odd types', () => {
    expect(parseErrorBody('{"code":"20429","message":5,"more_info":null}')).toEqual({ code: 20429, message: null, moreInfo: null });
    expect(parseErrorBody('{"code":20.5}').code).toBeNull();
  });

  it.each(['', '<html>502</html>', '[1,2]', 'null', '"text"', '{"code": 2'])('yields nulls for %j', (text) => {
    expect(parseErrorBody(text)).toEqual({ code: null, message: null, moreInfo: null });
  });
});
