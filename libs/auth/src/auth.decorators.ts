import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth } from '@nestjs/swagger';
import { ApiAuthGuard, BROWSER_BASIC_AUTH, SCOPE_AWARE, TWILIO_BASIC_AUTH } from './api-auth.guard';

/**
 * A controller (or route) that needs `Authorization: Bearer <token>` with a token from API_TOKENS. Declared on
 * each controller, so what a route needs is read where the route is; the module must import AuthModule.
 */
export const BearerAuth = () => applyDecorators(UseGuards(ApiAuthGuard), ApiBearerAuth());

/** The Twilio-compatible surface: HTTP Basic as the twilio SDK sends it (account sid or API key sid : token). */
export const TwilioBasicAuth = () => applyDecorators(SetMetadata(TWILIO_BASIC_AUTH, true), UseGuards(ApiAuthGuard), ApiBasicAuth());

/**
 * Pages for a person's browser (the status page): HTTP Basic with any user name and a token of API_TOKENS as the
 * password, so that the browser asks for it (`WWW-Authenticate: Basic`); a bearer token works too.
 */
export const BrowserBasicAuth = () => applyDecorators(SetMetadata(BROWSER_BASIC_AUTH, true), UseGuards(ApiAuthGuard), ApiBasicAuth());

/**
 * A controller (or route) that applies the request principal's scope to what it serves (principalOf(req).scope:
 * lists filtered, the rest 404). Without it, tokens limited to some accounts or services are refused (403).
 */
export const ScopeAware = () => SetMetadata(SCOPE_AWARE, true);
