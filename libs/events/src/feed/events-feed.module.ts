import { AuthModule } from '@app/auth';
import { DatabaseModule } from '@app/database';
import { MetricsModule } from '@app/metrics';
import { Module } from '@nestjs/common';
import { EventsController } from './events.controller';
import { EventsFeedService } from './events-feed.service';
import { FeedAdmission } from './feed-admission.service';
import { EventsSseService } from './events-sse.service';
import { PublicationListener } from './publication-listener.service';

/**
 * The HTTP change feed, for the api role: GET /v1/events (long-poll) and /v1/events/stream (SSE).
 * Its routes need a read-API token (BearerAuth).
 */
@Module({
  imports: [AuthModule, DatabaseModule, MetricsModule],
  controllers: [EventsController],
  providers: [PublicationListener, EventsFeedService, EventsSseService, FeedAdmission],
  exports: [EventsFeedService, PublicationListener, FeedAdmission],
})
export class EventsFeedModule {}
