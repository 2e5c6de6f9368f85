import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { BROWSER_BASIC_CHALLENGE, BROWSER_BASIC_MESSAGE, browserToken, limitedScopeRefusal } from './api-auth.guard';
import { ApiTokens } from './api-tokens.service';
import { attachPrincipal } from './principal';

/**
 * BrowserBasicAuth for what is mounted as Express middleware rather than as a Nest route (guards do not run
 * there): Bull Board's router. It shows every service's jobs: tokens limited to some accounts or services are
 * refused (403), as the guard refuses them on routes that do not apply scopes.
 */
@Injectable()
export class BrowserBasicAuthMiddleware implements NestMiddleware {
  constructor(private readonly tokens: ApiTokens) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const token = browserToken(req.headers.authorization);
    const holder = token === null ? null : this.tokens.holderOf(token);
    if (holder) {
      attachPrincipal(req, { ...holder, twilioAccountSid: null });
      if (holder.scope.all) return next();
      res.status(403).json({ statusCode: 403, error: 'Forbidden', message: limitedScopeRefusal(holder.name) });
      return;
    }
    res.setHeader('WWW-Authenticate', BROWSER_BASIC_CHALLENGE);
    res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: BROWSER_BASIC_MESSAGE });
  }
}
