import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth } from '@nestjs/swagger';

export const PUBLIC_ROUTE = Symbol('read-api:public');
export const TWILIO_BASIC_AUTH = Symbol('read-api:twilio-basic-auth');

/** Opts a route out of the global token guard (health only). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The Twilio-compatible surface: HTTP Basic as the twilio SDK sends it (account sid : token). */
export const TwilioBasicAuth = () => applyDecorators(SetMetadata(TWILIO_BASIC_AUTH, true), ApiBasicAuth());

/** Every other route: `Authorization: Bearer <token>`. */
export const BearerAuth = () => ApiBearerAuth();
