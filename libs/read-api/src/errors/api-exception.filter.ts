import { ROOT_LOGGER, tokenNameOf } from '@app/logger';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Inject } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Logger } from 'pino';
import { isTwilioPath, twilioErrorBody } from './twilio-error';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Body-parser failures (malformed JSON, wrong charset, too large) carry an http-errors status and type. */
function clientErrorOf(e: unknown): { status: number; message: string } | null {
  const err = e as { status?: unknown; type?: unknown; expose?: unknown } | null;
  if (!err || typeof err.status !== 'number' || err.status < 400 || err.status > 499 || err.expose !== true) return null;
  const byType: Record<string, string> = {
    'entity.parse.failed': 'the request body is not valid JSON',
    'entity.too.large': 'the request body is too large',
    'encoding.unsupported': 'the request body has an unsupported content encoding',
    'charset.unsupported': 'the request body has an unsupported charset',
  };
  return { status: err.status, message: byType[String(err.type)] ?? REASONS[err.status] ?? 'bad request' };
}

/**
 * Postgres "data exception" (SQLSTATE class 22): a parameter value the database cannot take. Every statement
 * of this API is fixed text with bound parameters, so such an error can only come from client input that
 * slipped past validation. It is a 400, never a 500; validation is where it should have been caught.
 */
function dataExceptionCode(e: unknown): string | null {
  const err = e as { driverError?: { code?: unknown }; code?: unknown } | null;
  const code = err?.driverError?.code ?? err?.code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code) ? code : null;
}

function messageOf(e: HttpException): string {
  const body = e.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : e.message;
}

/**
 * An HttpException's own body is kept (other modules add fields, e.g. the change feed's 410 names the
 * oldest retained sequence; terminus reports each check), with a validation message list made one string.
 */
function v1Body(e: HttpException, status: number, message: string): object {
  const body = e.getResponse();
  if (typeof body === 'string') return { statusCode: status, error: REASONS[status] ?? 'Error', message: body };
  return Array.isArray((body as { message?: unknown }).message) ? { ...body, message } : body;
}

/**
 * The one place errors become responses: /v1 errors as Nest's {statusCode, error, message}, the Twilio surface's
 * as Twilio's {code, message, more_info, status}. Anything unexpected is logged with its stack and
 * answered with a bare 500: no stack, SQL or driver message ever reaches a client.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    let status: number;
    let message: string;
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      message = messageOf(exception);
    } else {
      const client = clientErrorOf(exception);
      if (client) {
        ({ status, message } = client);
      } else if (dataExceptionCode(exception)) {
        status = HttpStatus.BAD_REQUEST;
        message = 'a parameter has a value the database cannot use';
        this.logger.warn({ code: dataExceptionCode(exception), method: req.method, path: req.path, ...tokenNameOf(req) }, 'input reached the database unvalidated');
      } else {
        status = HttpStatus.INTERNAL_SERVER_ERROR;
        message = 'internal error';
      }
    }
    if (status >= 500 && !(exception instanceof HttpException)) {
      // The path, not the URL: a query string is client input and may be long; headers are never logged.
      this.logger.error({ err: exception, method: req.method, path: req.path, ...tokenNameOf(req) }, 'unhandled error in the read API');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (isTwilioPath(req.path)) {
      res.status(status).json(twilioErrorBody(status, status >= 500 && !(exception instanceof HttpException) ? 'Internal Server Error' : message));
      return;
    }
    const body = exception instanceof HttpException ? v1Body(exception, status, message) : { statusCode: status, error: REASONS[status] ?? 'Error', message };
    res.status(status).json(body);
  }
}
