import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ApiTokens } from './api-tokens.service';
import { basicTwilioToken, bearerToken } from './credentials';

/** Whether a route takes the Twilio surface's HTTP Basic (see TwilioBasicAuth); set on the route or its controller. */
export const TWILIO_BASIC_AUTH = Symbol('auth:twilio-basic-auth');

/**
 * The read API's token check, declared per controller (BearerAuth, TwilioBasicAuth). The 401 never says more
 * than which scheme is expected: nothing of what the client sent is echoed.
 */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokens,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const header = req.headers.authorization;
    if (this.reflector.getAllAndOverride<boolean>(TWILIO_BASIC_AUTH, targets)) {
      const token = basicTwilioToken(header) ?? bearerToken(header);
      if (token !== null && this.tokens.accepts(token)) return true;
      http.getResponse<Response>().setHeader('WWW-Authenticate', 'Basic realm="Twilio API"');
      throw new UnauthorizedException('Authenticate: HTTP Basic with an account sid as user name and an API token as password');
    }
    const token = bearerToken(header);
    if (token !== null && this.tokens.accepts(token)) return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="twilio-mirror"');
    throw new UnauthorizedException(header ? 'the bearer token is not valid' : 'an Authorization: Bearer <token> header is required');
  }
}
