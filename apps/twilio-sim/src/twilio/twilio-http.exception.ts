import { HttpException } from '@nestjs/common';
import type { TwilioErrorBody } from './twilio.types';

/** An error answered in Twilio's shape: exactly {code, message, more_info, status}. */
export class TwilioHttpException extends HttpException {
  constructor(
    readonly body: TwilioErrorBody,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(body, body.status);
  }

  static of(status: number, code: number, message: string, headers?: Record<string, string>): TwilioHttpException {
    return new TwilioHttpException({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);
  }

  static badRequest(message: string): TwilioHttpException {
    return TwilioHttpException.of(400, 20001, message);
  }

  static unauthorized(): TwilioHttpException {
    return TwilioHttpException.of(401, 20003, 'Authenticate', { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
  }

  static notFound(path: string): TwilioHttpException {
    return TwilioHttpException.of(404, 20404, `The requested resource ${path} was not found`);
  }

  static tooManyRequests(headers?: Record<string, string>): TwilioHttpException {
    return TwilioHttpException.of(429, 20429, 'Too Many Requests', headers);
  }

  static internalError(): TwilioHttpException {
    return TwilioHttpException.of(500, 20500, 'Internal Server Error');
  }

  static serviceUnavailable(): TwilioHttpException {
    return TwilioHttpException.of(503, 20503, 'Service Unavailable');
  }
}
