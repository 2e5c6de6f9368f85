import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ApiErrorDto, TwilioErrorDto } from './error.dto';

/** The errors every authenticated /v1 route can answer, documented once. */
export const ApiErrors = (opts: { notFound?: string } = {}) =>
  applyDecorators(
    ApiBadRequestResponse({ type: ApiErrorDto, description: 'A malformed sid, page size, cursor or filter; the message says which' }),
    ApiUnauthorizedResponse({ type: ApiErrorDto, description: 'Missing or unknown bearer token' }),
    ...(opts.notFound ? [ApiNotFoundResponse({ type: ApiErrorDto, description: opts.notFound })] : []),
  );

export const TwilioErrors = (opts: { notFound: string }) =>
  applyDecorators(
    ApiBadRequestResponse({ type: TwilioErrorDto, description: '20001: a malformed service sid, PageSize or PageToken' }),
    ApiUnauthorizedResponse({ type: TwilioErrorDto, description: '20003: missing or wrong HTTP Basic credentials' }),
    ApiNotFoundResponse({ type: TwilioErrorDto, description: `20404: ${opts.notFound}` }),
  );
