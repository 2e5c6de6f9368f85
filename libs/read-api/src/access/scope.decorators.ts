import { BearerAuth, ScopeAware, TwilioBasicAuth } from '@app/auth';
import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiForbiddenResponse } from '@nestjs/swagger';
import { ApiErrorDto } from '../errors/error.dto';
import { ScopeGuard } from './scope.guard';
import { TRIGGER_RIGHT } from './trigger-right';

/**
 * A /v1 controller: a bearer token, then its scope (ScopeGuard). One decorator, so the two guards always run in
 * this order: the scope needs the principal the token check attaches.
 */
export const ScopedBearerAuth = () => applyDecorators(BearerAuth(), ScopeAware(), UseGuards(ScopeGuard));

/** The Twilio-compatible surface: HTTP Basic as the SDK sends it, then the scope and the account it named. */
export const ScopedTwilioAuth = () => applyDecorators(TwilioBasicAuth(), ScopeAware(), UseGuards(ScopeGuard));

/** A route that starts work: a token with the read right only is answered 403, whatever the resource. */
export const TriggerRight = () =>
  applyDecorators(
    SetMetadata(TRIGGER_RIGHT, true),
    ApiForbiddenResponse({ type: ApiErrorDto, description: 'The token may read but not trigger (its scope is `read`)' }),
  );
