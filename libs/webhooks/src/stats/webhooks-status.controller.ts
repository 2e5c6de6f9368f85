import { BearerAuth } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { UserFetchQueue } from '@app/queue';
import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { withDeadline } from '../receiver/deadline';
import { WebhookStatusDto } from './webhook-status.dto';
import { WebhookStats } from './webhook-stats.repository';

const REDIS_DEADLINE_MS = 2_000;

@ApiTags('webhooks')
@BearerAuth()
@Controller('v1/webhooks')
export class WebhooksStatusController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly stats: WebhookStats,
    private readonly hints: UserFetchQueue,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Webhooks received, rejected, ignored, coalesced and applied, per account; the hints waiting' })
  @ApiOkResponse({ type: WebhookStatusDto })
  @ApiServiceUnavailableResponse({ description: 'Redis did not answer within 2 s' })
  async status(): Promise<WebhookStatusDto> {
    const read = Promise.all([this.stats.snapshot(), this.hints.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')]);
    const [accounts, counts] = await withDeadline(read, REDIS_DEADLINE_MS, 'Redis').catch((e: Error) => {
      throw new ServiceUnavailableException(e.message);
    });
    return {
      receiver_enabled: this.config.webhooks.publicUrl !== null,
      public_url: this.config.webhooks.publicUrl,
      queue: { waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0, delayed: counts.delayed ?? 0 },
      accounts: accounts.map((a) => ({ account_sid: a.accountSid, ...a.counts })),
    };
  }
}
