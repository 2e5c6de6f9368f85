import { principalOf } from '@app/auth';
import { CanActivate, ExecutionContext, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { isSid } from '../common/sids';
import { isTwilioPath } from '../errors/twilio-error';
import { twilioNotFound } from '../twilio/twilio-not-found';
import { unknownService } from '../users/users.service';
import { ServiceScope } from './service-scope.service';
import { TRIGGER_RIGHT } from './trigger-right';

/**
 * Enforces the token's scope on every route that names a service (`:serviceSid`), so a route cannot forget it: a
 * service out of scope is answered exactly as one that does not exist (404), and on the Twilio surface so is a
 * service of another account than the one the Basic user name named, as Twilio does. Routes marked TriggerRight
 * need the trigger right (403 otherwise, before anything is looked up). Lists and resources found by their own id
 * (a user by sid, a run) are filtered by their services with the principal's scope.
 */
@Injectable()
export class ScopeGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly services: ServiceScope,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const principal = principalOf(req);
    // Fail closed: this guard must run after the token check (ScopedBearerAuth/ScopedTwilioAuth).
    if (!principal) throw new Error('ScopeGuard ran before the token check attached a principal');
    if (this.reflector.getAllAndOverride<boolean>(TRIGGER_RIGHT, [context.getHandler(), context.getClass()]) && !principal.scope.canTrigger) {
      throw new ForbiddenException(`the token ${principal.name} may read but not trigger work (its scope is read)`);
    }
    const serviceSid = req.params?.serviceSid;
    // A malformed sid is left to the route's pipe, which answers 400 for every token alike.
    if (typeof serviceSid !== 'string' || !isSid('IS', serviceSid)) return true;
    const twilioAccount = principal.twilioAccountSid;
    const allowed =
      twilioAccount === null
        ? await this.services.allows(principal.scope, serviceSid)
        : principal.scope.allowsService(serviceSid, twilioAccount) && (await this.services.accountOf(serviceSid)) === twilioAccount;
    if (allowed) return true;
    const key = req.params.sid;
    if (isTwilioPath(req.path)) throw twilioNotFound(serviceSid, typeof key === 'string' ? key : undefined);
    throw unknownService(serviceSid);
  }
}
