import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards, UsePipes } from '@nestjs/common';
import type { WebhookFaults } from '../webhooks/delivery-faults';
import { AdminTokenGuard } from './admin-token.guard';
import { adminValidationPipe } from './admin-validation.pipe';
import { FlushWebhooksDto, WebhookFaultsDto } from './dto/webhook-faults.dto';
import { SimAdminService } from './sim-admin.service';

/**
 * Webhook delivery faults, per account. The webhooks themselves are configured on the Twilio surface
 * (/v1/Configuration/Webhooks), as on Twilio.
 */
@Controller('admin')
@UseGuards(AdminTokenGuard)
@UsePipes(adminValidationPipe)
export class AdminWebhooksController {
  constructor(private readonly admin: SimAdminService) {}

  @Get('accounts/:accountSid/webhook-faults')
  faults(@Param('accountSid') accountSid: string): WebhookFaults {
    return this.admin.getWebhookFaults(accountSid);
  }

  @Put('accounts/:accountSid/webhook-faults')
  setFaults(@Param('accountSid') accountSid: string, @Body() body: WebhookFaultsDto): WebhookFaults {
    return this.admin.setWebhookFaults(accountSid, body);
  }

  @Delete('accounts/:accountSid/webhook-faults')
  @HttpCode(204)
  clearFaults(@Param('accountSid') accountSid: string): void {
    this.admin.clearWebhookFaults(accountSid);
  }

  @Post('webhooks/flush')
  @HttpCode(204)
  flush(@Body() body: FlushWebhooksDto): void {
    this.admin.flushWebhooks(body?.accountSid);
  }
}
