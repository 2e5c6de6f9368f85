import { AuthModule } from '@app/auth';
import { DatabaseModule } from '@app/database';
import { QueueModule } from '@app/queue';
import { RedisModule } from '@app/redis';
import { Module } from '@nestjs/common';
import { MirroredServices } from './receiver/mirrored-services.repository';
import { TwilioWebhooksController } from './receiver/twilio-webhooks.controller';
import { WebhookReceiver } from './receiver/webhook-receiver.service';
import { WebhookSignatures } from './receiver/webhook-signatures';
import { WebhookStatsModule } from './stats/webhook-stats.module';
import { WebhooksStatusController } from './stats/webhooks-status.controller';

/** The api role's side of webhooks: the receiver (POST/GET /webhooks/twilio) and their status (GET /v1/webhooks). */
@Module({
  imports: [AuthModule, DatabaseModule, QueueModule, RedisModule, WebhookStatsModule],
  controllers: [TwilioWebhooksController, WebhooksStatusController],
  providers: [WebhookReceiver, WebhookSignatures, MirroredServices],
})
export class WebhooksApiModule {}
