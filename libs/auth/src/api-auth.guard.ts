import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isAccountSid } from '@app/twilio';
import type { Request, Response } from 'express';
import { ApiTokens, TokenHolder } from './api-tokens.service';
import { basicPassword, basicTwilioCredentials, bearerToken } from './credentials';
import { attachPrincipal, Principal } from './principal';

/** Whether a route takes the Twilio surface's HTTP Basic (see TwilioBasicAuth); set on the route or its controller. */
export const TWILIO_BASIC_AUTH = Symbol('auth:twilio-basic-auth');
/** Whether a route is a page for a browser, with HTTP Basic (see BrowserBasicAuth). */
export const BROWSER_BASIC_AUTH = Symbol('auth:browser-basic-auth');

/** The 401 of the pages for a browser: `WWW-Authenticate: Basic` makes the browser ask for a user name and password. */
export const BROWSER_BASIC_CHALLENGE = 'Basic realm="twilio-mirror", charset="UTF-8"';
export const BROWSER_BASIC_MESSAGE = 'Authenticate: HTTP Basic with any user name and an API token as password';

/** A browser page's credential: HTTP Basic with a token as password, or a bearer token (scripts, tests). */
export function browserToken(header: string | undefined): string | null {
  return basicPassword(header) ?? bearerToken(header);
}

/** Whether a route applies the principal's scope itself (see ScopeAware); set on the route or its controller. */
export const SCOPE_AWARE = Symbol('auth:scope-aware');

/** Why a token limited to some accounts or services is refused where scopes are not applied. */
export function limitedScopeRefusal(name: string): string {
  return `the token ${name} is limited to some accounts or services, and this route does not apply such limits: it takes full-scope tokens only`;
}

/**
 * The read API's token check, declared per controller (BearerAuth, TwilioBasicAuth, BrowserBasicAuth). It attaches
 * the request's Principal (the token's name and scope) for what follows to enforce. The 401 never says more than
 * which scheme is expected: nothing of what the client sent is echoed.
 *
 * Fail closed: a token limited to some accounts or services is refused (403) on a route that does not declare that
 * it applies scopes (ScopeAware): such a route would serve it everything.
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
    if (this.reflector.getAllAndOverride<boolean>(BROWSER_BASIC_AUTH, targets)) {
      const token = browserToken(header);
      const holder = token === null ? null : this.tokens.holderOf(token);
      if (holder) return this.admit(req, { ...holder, twilioAccountSid: null }, targets);
      http.getResponse<Response>().setHeader('WWW-Authenticate', BROWSER_BASIC_CHALLENGE);
      throw new UnauthorizedException(BROWSER_BASIC_MESSAGE);
    }
    if (this.reflector.getAllAndOverride<boolean>(TWILIO_BASIC_AUTH, targets)) {
      const principal = this.twilioPrincipal(header);
      if (principal) return this.admit(req, principal, targets);
      http.getResponse<Response>().setHeader('WWW-Authenticate', 'Basic realm="Twilio API"');
      throw new UnauthorizedException('Authenticate: HTTP Basic with an account sid (or an API key sid) as user name and an API token as password');
    }
    const token = bearerToken(header);
    const holder = token === null ? null : this.tokens.holderOf(token);
    if (holder) return this.admit(req, { ...holder, twilioAccountSid: null }, targets);
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="twilio-mirror"');
    throw new UnauthorizedException(header ? 'the bearer token is not valid' : 'an Authorization: Bearer <token> header is required');
  }

  private admit(req: Request, principal: Principal, targets: Function[]): true {
    attachPrincipal(req, principal);
    if (!principal.scope.all && !this.reflector.getAllAndOverride<boolean>(SCOPE_AWARE, targets)) throw new ForbiddenException(limitedScopeRefusal(principal.name));
    return true;
  }

  /**
   * HTTP Basic as the twilio SDK sends it: an account sid the token may read, or an API key sid the token maps to
   * an account, and the token as password. The account is the one Twilio would answer for: the principal keeps it.
   * A Bearer token works too, with no account named: its scope alone decides.
   */
  private twilioPrincipal(header: string | undefined): Principal | null {
    const basic = basicTwilioCredentials(header);
    if (basic) {
      const holder = this.tokens.holderOf(basic.password);
      const account = holder && this.accountNamed(holder, basic.user);
      return holder && account ? { ...holder, twilioAccountSid: account } : null;
    }
    const token = bearerToken(header);
    const holder = token === null ? null : this.tokens.holderOf(token);
    return holder ? { ...holder, twilioAccountSid: null } : null;
  }

  private accountNamed(holder: TokenHolder, user: string): string | null {
    if (isAccountSid(user)) return holder.scope.readsAccount(user) ? user : null;
    return holder.scope.accountOfKey(user);
  }
}
