import { BearerAuth } from '@app/auth';
import { MirrorMetrics } from '@app/metrics';
import { BadRequestException, Controller, Get, Headers, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiGoneResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { EventsFeedService } from './events-feed.service';
import { EventsPageDto } from './events-page.dto';
import { EventsQueryDto, EventsStreamQueryDto, SEQUENCE_PATTERN } from './events-query.dto';
import { EventsSseService } from './events-sse.service';

const GONE = 'Events after `after` were pruned (older than EVENTS_RETENTION_HOURS): resync, then resume from a current sequence';
const AHEAD = '`after` beyond the last event sequence (a position from another or a reset database): resync, then resume from a current sequence';

@ApiTags('events')
@BearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly feed: EventsFeedService,
    private readonly sse: EventsSseService,
    private readonly metrics: MirrorMetrics,
  ) {}

  @Get()
  @ApiOperation({ summary: 'User-changed events after a sequence, in sequence order (long-poll with `wait`)' })
  @ApiOkResponse({ type: EventsPageDto })
  @ApiBadRequestResponse({ description: `A malformed after, limit or wait; or ${AHEAD}` })
  @ApiGoneResponse({ description: GONE })
  async list(@Query() q: EventsQueryDto, @Res({ passthrough: true }) res: Response): Promise<string> {
    if (q.wait > 0) this.metrics.feedClientOpened('long_poll', res);
    const gone = new AbortController();
    const onClose = () => gone.abort();
    res.once('close', onClose);
    try {
      const page = await this.feed.pageJson(q.after ?? null, q.limit, q.wait * 1000, gone.signal);
      // Already JSON text (the events' data as Postgres printed it): a string would otherwise go out as text/html.
      res.type('application/json');
      return page;
    } finally {
      res.off('close', onClose);
    }
  }

  @Get('stream')
  @ApiOperation({
    summary: 'User-changed events as Server-Sent Events',
    description: 'id = sequence, event = CloudEvent type, data = the CloudEvent JSON. Resumes after the Last-Event-ID header, else after `after`.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The sequence of the last event received; sent by EventSource on reconnect' })
  @ApiOkResponse({
    description: 'An endless text/event-stream',
    schema: { type: 'string', example: 'id: 1042\nevent: io.github.twilio-mirror.conversations.user.updated\ndata: {"specversion":"1.0",…}\n\n' },
  })
  @ApiBadRequestResponse({ description: `A malformed after or Last-Event-ID; or ${AHEAD}` })
  @ApiGoneResponse({ description: GONE })
  @ApiServiceUnavailableResponse({ description: 'The server is shutting down: reconnect (open streams simply end then)' })
  async stream(
    @Query() q: EventsStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    let after = q.after ?? null;
    if (lastEventId !== undefined && lastEventId.trim() !== '') {
      if (!SEQUENCE_PATTERN.test(lastEventId.trim())) throw new BadRequestException('Last-Event-ID must be an event sequence: a whole number of at most 18 digits');
      after = lastEventId.trim();
    }
    this.metrics.feedClientOpened('sse', res);
    await this.sse.serve(after, res);
  }
}
