import type { ServerResponse } from 'node:http';
import { Controller, Get, Param, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { UpstreamInterceptor } from '../upstream/upstream.interceptor';
import { ReadRequestFactory } from './read-request.factory';
import type { SimRequest } from './sim-request';
import { TwilioAuthGuard } from './twilio-auth.guard';
import { TwilioReadService } from './twilio-read.service';
import { sendTwilioJson } from './twilio-responder';

/** GET /v1/Services/{ChatServiceSid}/Users and /Users/{Sid} (a sid or a URL-encoded identity). */
@Controller('v1/Services/:serviceSid/Users')
@UseGuards(TwilioAuthGuard)
@UseInterceptors(UpstreamInterceptor)
export class UsersController {
  constructor(
    private readonly read: TwilioReadService,
    private readonly requests: ReadRequestFactory,
  ) {}

  @Get()
  list(@Req() req: SimRequest, @Res() res: ServerResponse, @Param('serviceSid') serviceSid: string): void {
    sendTwilioJson(req, res, this.read.listUsers(this.requests.from(req), serviceSid));
  }

  @Get(':userSid')
  fetch(
    @Req() req: SimRequest,
    @Res() res: ServerResponse,
    @Param('serviceSid') serviceSid: string,
    @Param('userSid') userSid: string,
  ): void {
    sendTwilioJson(req, res, this.read.fetchUser(this.requests.from(req), serviceSid, userSid));
  }
}
