import { Module } from '@nestjs/common';
import { EventsController } from './events.controller';
import { EventsFeedService } from './events-feed.service';
import { FeedAdmission } from './feed-admission.service';
import { EventsSseService } from './events-sse.service';
import { PublicationListener } from './publication-listener.service';

/**
 * The HTTP change feed, for the api role: GET /v1/events (long-poll) and /v1/events/stream (SSE).
 * Needs ConfigModule, LoggerModule and DatabaseModule (global in the app); auth is the read API's global guard.
 */
@Module({
  controllers: [EventsController],
  providers: [PublicationListener, EventsFeedService, EventsSseService, FeedAdmission],
  exports: [EventsFeedService, PublicationListener, FeedAdmission],
})
export class EventsFeedModule {}
