import type { ServerResponse } from 'node:http';
import { Body, Controller, Get, Param, Post, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { UpstreamInterceptor } from '../upstream/upstream.interceptor';
import { ReadRequestFactory } from '../twilio/read-request.factory';
import type { SimRequest } from '../twilio/sim-request';
import { TwilioAuthGuard } from '../twilio/twilio-auth.guard';
import { sendTwilioJson } from '../twilio/twilio-responder';
import { webhookConfigForm } from './webhook-config';
import { WebhookConfigService } from './webhook-config.service';

/**
 * GET/POST /v1/Configuration/Webhooks (the account's) and /v1/Services/{ChatServiceSid}/Configuration/Webhooks.
 * POST takes Twilio's form-encoded parameters and answers 200 with the whole resource.
 */
@Controller('v1')
@UseGuards(TwilioAuthGuard)
@UseInterceptors(UpstreamInterceptor)
export class WebhookConfigController {
  constructor(
    private readonly config: WebhookConfigService,
    private readonly requests: ReadRequestFactory,
  ) {}

  @Get('Configuration/Webhooks')
  fetchAccount(@Req() req: SimRequest, @Res() res: ServerResponse): void {
    const { account, origin } = this.requests.from(req);
    sendTwilioJson(req, res, JSON.stringify(this.config.account(account, origin)));
  }

  @Post('Configuration/Webhooks')
  updateAccount(@Req() req: SimRequest, @Res() res: ServerResponse, @Body() body: unknown): void {
    const { account, origin } = this.requests.from(req);
    sendTwilioJson(req, res, JSON.stringify(this.config.updateAccount(account, webhookConfigForm(body, true), origin)));
  }

  @Get('Services/:serviceSid/Configuration/Webhooks')
  fetchService(@Req() req: SimRequest, @Res() res: ServerResponse, @Param('serviceSid') serviceSid: string): void {
    const { account, origin, path } = this.requests.from(req);
    const service = this.config.requireService(account, serviceSid, path);
    sendTwilioJson(req, res, JSON.stringify(this.config.service(service, origin)));
  }

  @Post('Services/:serviceSid/Configuration/Webhooks')
  updateService(@Req() req: SimRequest, @Res() res: ServerResponse, @Param('serviceSid') serviceSid: string, @Body() body: unknown): void {
    const { account, origin, path } = this.requests.from(req);
    const service = this.config.requireService(account, serviceSid, path);
    sendTwilioJson(req, res, JSON.stringify(this.config.updateService(service, webhookConfigForm(body, false), origin)));
  }
}
