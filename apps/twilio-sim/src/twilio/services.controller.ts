import type { ServerResponse } from 'node:http';
import { Controller, Get, Param, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { UpstreamInterceptor } from '../upstream/upstream.interceptor';
import { ReadRequestFactory } from './read-request.factory';
import type { SimRequest } from './sim-request';
import { TwilioAuthGuard } from './twilio-auth.guard';
import { TwilioReadService } from './twilio-read.service';
import { sendTwilioJson } from './twilio-responder';

/** GET /v1/Services and /v1/Services/{Sid}; bodies are written directly so faults can shape them. */
@Controller('v1/Services')
@UseGuards(TwilioAuthGuard)
@UseInterceptors(UpstreamInterceptor)
export class ServicesController {
  constructor(
    private readonly read: TwilioReadService,
    private readonly requests: ReadRequestFactory,
  ) {}

  @Get()
  list(@Req() req: SimRequest, @Res() res: ServerResponse): void {
    sendTwilioJson(req, res, this.read.listServices(this.requests.from(req)));
  }

  @Get(':serviceSid')
  fetch(@Req() req: SimRequest, @Res() res: ServerResponse, @Param('serviceSid') serviceSid: string): void {
    sendTwilioJson(req, res, this.read.fetchService(this.requests.from(req), serviceSid));
  }
}
