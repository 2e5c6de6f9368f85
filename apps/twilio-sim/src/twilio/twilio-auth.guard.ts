import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { SimStore } from '../store/sim-store.service';
import type { AccountRecord } from '../store/account.record';
import { classifyRoute, splitUrl, type SimRequest } from './sim-request';
import { TwilioHttpException } from './twilio-http.exception';

/** HTTP Basic with account sid + auth token, or API key sid + secret; anything else is 401/20003. */
@Injectable()
export class TwilioAuthGuard implements CanActivate {
  constructor(private readonly store: SimStore) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<SimRequest>();
    const account = this.authenticate(req.headers.authorization);
    if (!account) throw TwilioHttpException.unauthorized();
    req.sim ??= { route: classifyRoute(splitUrl(req).path) };
    req.sim.account = account;
    return true;
  }

  private authenticate(header: string | undefined): AccountRecord | null {
    if (!header || !/^basic /i.test(header)) return null;
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    return this.store.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
  }
}
