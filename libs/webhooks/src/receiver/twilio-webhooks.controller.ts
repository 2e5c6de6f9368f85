import { Controller, Get, Post, RawBodyRequest, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { WebhookAnswer, WebhookReceiver } from './webhook-receiver.service';
import type { IncomingWebhook } from './webhook-request';

/**
 * Twilio's Conversations post-event webhooks (onUserAdded, onUserUpdated), POST or GET as the account's Method says.
 * Not token-authenticated: X-Twilio-Signature is the credential. A 200 has an empty body (a pre-event webhook
 * pointed here by mistake must not read as a change to its action); what happened is in X-Webhook-Outcome.
 */
@ApiTags('webhooks')
@Controller('webhooks')
export class TwilioWebhooksController {
  constructor(private readonly receiver: WebhookReceiver) {}

  @Post('twilio')
  @ApiOperation({ summary: "Twilio's user webhooks (form-encoded, signed): a hint to fetch the user now" })
  @ApiOkResponse({ description: 'Queued, coalesced with a waiting fetch, or ignored (an account, service or event not mirrored)' })
  @ApiForbiddenResponse({ description: 'X-Twilio-Signature missing or not valid for WEBHOOK_PUBLIC_URL and the named account' })
  @ApiServiceUnavailableResponse({ description: 'The hint could not be recorded in time (Redis); the next crawl catches the change' })
  async post(@Req() req: RawBodyRequest<Request>, @Res() res: Response): Promise<void> {
    answer(res, await this.receiver.receive(incoming(req, 'POST')));
  }

  @Get('twilio')
  @ApiExcludeEndpoint() // the same, for an account configured with Method=GET
  async get(@Req() req: Request, @Res() res: Response): Promise<void> {
    answer(res, await this.receiver.receive(incoming(req, 'GET')));
  }
}

function incoming(req: RawBodyRequest<Request>, method: 'GET' | 'POST'): IncomingWebhook {
  const url = req.originalUrl ?? req.url;
  const q = url.indexOf('?');
  const signature = req.headers['x-twilio-signature'];
  return {
    method,
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    // Set by Nest's body parser (rawBody: true) for a form-encoded body; anything else is no parameters.
    rawBody: method === 'POST' && req.is('application/x-www-form-urlencoded') && req.rawBody ? req.rawBody.toString('utf8') : '',
    signature: typeof signature === 'string' ? signature : undefined,
  };
}

const REASONS = { 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' } as const;

/** Errors in the API's one shape ({statusCode, error, message}). */
function answer(res: Response, a: WebhookAnswer): void {
  res.setHeader('X-Webhook-Outcome', a.message);
  if (a.status === 200) res.status(200).end();
  else res.status(a.status).json({ statusCode: a.status, error: REASONS[a.status], message: a.message });
}
