import type { ServerResponse } from 'node:http';
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { splitUrl, type SimRequest } from './twilio/sim-request';
import { TwilioHttpException } from './twilio/twilio-http.exception';

/**
 * Every error under /v1 leaves in Twilio's shape, even Nest's own (unknown route → 20404);
 * the admin surface keeps Nest's usual {statusCode, message, error}.
 */
@Catch()
export class SimExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<SimRequest>();
    const res = host.switchToHttp().getResponse<ServerResponse>();
    if (res.headersSent || res.destroyed) return;
    const { path } = splitUrl(req);
    if (exception instanceof TwilioHttpException) {
      return send(res, exception.body.status, exception.body, exception.headers);
    }
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    if (path === '/v1' || path.startsWith('/v1/')) {
      const twilio =
        status === 404
          ? TwilioHttpException.notFound(path)
          : status === 400
            ? TwilioHttpException.badRequest(exception instanceof Error ? exception.message : 'Bad Request')
            : status === 401
              ? TwilioHttpException.unauthorized()
              : TwilioHttpException.of(status, status === 405 ? 20004 : 20500, status === 405 ? 'Method not allowed' : 'Internal Server Error');
      return send(res, twilio.body.status, twilio.body, twilio.headers);
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      return send(res, status, typeof body === 'string' ? { statusCode: status, message: body } : body, {});
    }
    const message = exception instanceof Error ? exception.message : String(exception);
    send(res, 500, { statusCode: 500, message, error: 'Internal Server Error' }, {});
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
