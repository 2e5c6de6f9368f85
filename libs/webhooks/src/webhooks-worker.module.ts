import { AccountsModule } from '@app/accounts';
import { DatabaseModule } from '@app/database';
import { MirrorWriterModule } from '@app/mirror-writer';
import { QueueModule } from '@app/queue';
import { RedisModule } from '@app/redis';
import { Module } from '@nestjs/common';
import { UserFetchPacing } from './fetch/user-fetch-pacing.repository';
import { UserFetchProcessor } from './fetch/user-fetch.processor';
import { UserRefresh } from './fetch/user-refresh.service';
import { UsersByIdentity } from './fetch/users-by-identity.repository';
import { WebhookStatsModule } from './stats/webhook-stats.module';

/** The worker role's side of webhooks: the user fetches their hints queued, written by the MirrorWriter. */
@Module({
  imports: [AccountsModule, DatabaseModule, MirrorWriterModule, QueueModule, RedisModule, WebhookStatsModule],
  providers: [UserFetchProcessor, UserRefresh, UserFetchPacing, UsersByIdentity],
})
export class WebhooksWorkerModule {}
