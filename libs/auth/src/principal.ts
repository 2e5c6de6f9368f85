import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { AccessScope } from './access-scope';

/**
 * Who made a request: the token's name (logged; never the token) and its scope. The auth guard attaches it to
 * the request; anything after the guard reads it with principalOf(req) or @RequestPrincipal().
 */
export interface Principal {
  name: string;
  scope: AccessScope;
  /**
   * On the Twilio-compatible surface with HTTP Basic: the account the user name named (an AC sid, or the account
   * an SK key stands for). Twilio answers only that account's services; so does the mirror. Null otherwise.
   */
  twilioAccountSid: string | null;
}

/** A plain property, so that code with no dependency on this library (the request logger) can read the name. */
type WithPrincipal = Request & { principal?: Principal };

export function attachPrincipal(req: Request, principal: Principal): void {
  (req as WithPrincipal).principal = principal;
}

/** The request's principal, or null before the guard ran (or on a public route). */
export function principalOf(req: Request): Principal | null {
  return (req as WithPrincipal).principal ?? null;
}

/** The principal the guard attached; a route behind the guard always has one. */
export const RequestPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = principalOf(ctx.switchToHttp().getRequest<Request>());
  if (!principal) throw new Error('RequestPrincipal on a route without the auth guard');
  return principal;
});
