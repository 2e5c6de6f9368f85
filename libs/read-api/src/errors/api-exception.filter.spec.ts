import { BadRequestException, GoneException, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { ApiExceptionFilter } from './api-exception.filter';

function run(exception: unknown, path = '/v1/x') {
  const logged: { level: string; obj: any }[] = [];
  const logger = { error: (obj: any) => logged.push({ level: 'error', obj }), warn: (obj: any) => logged.push({ level: 'warn', obj }) };
  const sent: { status?: number; body?: any } = {};
  const res = {
    headersSent: false,
    status(s: number) {
      sent.status = s;
      return this;
    },
    json(b: unknown) {
      sent.body = b;
    },
  };
  const host = { getType: () => 'http', switchToHttp: () => ({ getRequest: () => ({ method: 'GET', path }), getResponse: () => res }) };
  new ApiExceptionFilter(logger as never).catch(exception, host as never);
  return { ...sent, logged };
}

describe('ApiExceptionFilter', () => {
  it('joins a validation message list into one sentence', () => {
    expect(run(new BadRequestException(['limit must be at least 1', 'q must be a string'])).body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'limit must be at least 1; q must be a string',
    });
  });

  it("keeps the fields another module put in its exception's body", () => {
    const gone = new GoneException({ statusCode: 410, error: 'Gone', message: 'pruned', oldest_retained: '13' });
    expect(run(gone).body).toEqual({ statusCode: 410, error: 'Gone', message: 'pruned', oldest_retained: '13' });
  });

  it('answers a database data exception (client input) with 400, not 500', () => {
    const pgError = Object.assign(new Error('invalid input syntax for type json'), { code: '22P02' });
    const r = run(pgError);
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('a parameter has a value the database cannot use');
    expect(r.logged[0]).toMatchObject({ level: 'warn', obj: { code: '22P02' } });
  });

  it('logs anything unexpected and answers a bare 500', () => {
    const r = run(new Error('connect ECONNREFUSED 10.0.0.5:5432 for SELECT secret_table'));
    expect(r.status).toBe(500);
    expect(JSON.stringify(r.body)).not.toMatch(/ECONNREFUSED|secret_table/);
    expect(r.logged[0].level).toBe('error');
  });

  it("speaks Twilio's error shape under /twilio", () => {
    expect(run(new NotFoundException('The requested resource /Services/IS1/Users/x was not found'), '/twilio/v1/Services/IS1/Users/x').body).toEqual({
      code: 20404,
      message: 'The requested resource /Services/IS1/Users/x was not found',
      more_info: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    });
    expect(run(new Error('boom'), '/TWILIO/v1/x').body).toMatchObject({ code: 20500, status: 500, message: 'Internal Server Error' });
    expect(JSON.stringify(run(new UnauthorizedException('anything'), '/twilio/v1/Services/IS1/Users').body)).toBe(
      '{"code":20003,"detail":"Your AccountSid or AuthToken was incorrect.","message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}',
    );
  });
});
