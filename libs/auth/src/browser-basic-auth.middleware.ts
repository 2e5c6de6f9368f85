import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { BROWSER_BASIC_CHALLENGE, BROWSER_BASIC_MESSAGE, browserToken } from './api-auth.guard';
import { ApiTokens } from './api-tokens.service';

/**
 * BrowserBasicAuth for what is mounted as Express middleware rather than as a Nest route (guards do not run
 * there): Bull Board's router.
 */
@Injectable()
export class BrowserBasicAuthMiddleware implements NestMiddleware {
  constructor(private readonly tokens: ApiTokens) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const token = browserToken(req.headers.authorization);
    if (token !== null && this.tokens.accepts(token)) return next();
    res.setHeader('WWW-Authenticate', BROWSER_BASIC_CHALLENGE);
    res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: BROWSER_BASIC_MESSAGE });
  }
}
