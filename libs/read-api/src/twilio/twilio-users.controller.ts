import { Controller, Delete, Get, MethodNotAllowedException, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ScopedTwilioAuth } from '../access/scope.decorators';
import { sendJson } from '../common/json-response';
import { requestOrigin } from '../common/request-origin';
import { SidPipe } from '../common/sids';
import { SidOrIdentityPipe } from '../common/text-input';
import { TwilioErrors } from '../errors/error-responses';
import { parseTwilioListQuery } from './twilio-list.query';
import { TwilioUserDto, TwilioUserPageDto } from './twilio-user.dto';
import { TwilioUsersService } from './twilio-users.service';

/**
 * Twilio's GET /v1/Services/{IS}/Users and /Users/{Sid} over the mirror, for code written against Twilio:
 * point the twilio SDK's `client.conversations.baseUrl` at `http(s)://<mirror>/twilio`. As on Twilio, only the
 * services of the account the Basic user name names are there (ScopeGuard): others are 404/20404.
 */
@ApiTags('twilio-compatible')
@ScopedTwilioAuth()
@Controller('twilio/v1/Services/:serviceSid/Users')
export class TwilioUsersController {
  constructor(private readonly users: TwilioUsersService) {}

  @Get()
  @ApiOperation({ summary: "Twilio's users list, from the mirror (deleted users are not listed)" })
  @ApiParam({ name: 'serviceSid', example: 'IS0123456789abcdef0123456789abcdef' })
  @ApiQuery({ name: 'PageSize', required: false, description: '1 to 50, default 50 (larger values are served as 50, as Twilio)' })
  @ApiQuery({ name: 'Page', required: false, description: 'Client state only' })
  @ApiQuery({ name: 'PageToken', required: false, description: 'Opaque; comes in next_page_url and previous_page_url' })
  @ApiOkResponse({ type: TwilioUserPageDto })
  @TwilioErrors({ notFound: 'The service is not in the mirror' })
  async list(
    @Req() req: Request,
    @Res() res: Response,
    @Param('serviceSid', new SidPipe('IS')) serviceSid: string,
    @Query() query: Record<string, unknown>,
  ): Promise<void> {
    sendJson(res, 200, await this.users.list(requestOrigin(req), serviceSid, parseTwilioListQuery(serviceSid, query)));
  }

  @Get(':sid')
  @ApiOperation({ summary: "Twilio's user fetch by sid or URL-encoded identity, from the mirror (deleted users are 404)" })
  @ApiOkResponse({ type: TwilioUserDto })
  @TwilioErrors({ notFound: 'No such live user in the service' })
  async fetch(
    @Req() req: Request,
    @Res() res: Response,
    @Param('serviceSid', new SidPipe('IS')) serviceSid: string,
    @Param('sid', new SidOrIdentityPipe()) key: string,
  ): Promise<void> {
    sendJson(res, 200, await this.users.fetch(requestOrigin(req), serviceSid, key));
  }

  /** Writes go to Twilio, not to a mirror: say so plainly to SDK code that tries. */
  @Post()
  @ApiExcludeEndpoint()
  create(): never {
    throw readOnly();
  }

  @Post(':sid')
  @ApiExcludeEndpoint()
  update(): never {
    throw readOnly();
  }

  @Delete(':sid')
  @ApiExcludeEndpoint()
  remove(): never {
    throw readOnly();
  }
}

function readOnly(): MethodNotAllowedException {
  return new MethodNotAllowedException('The mirror is read-only: create, update and delete users on Twilio');
}
