import { BearerAuth, principalOf, ScopeAware } from '@app/auth';
import { MirrorMetrics } from '@app/metrics';
import { BadRequestException, Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiGoneResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { FEED_RETRY_AFTER_S, FeedAdmission } from './feed-admission.service';
import { EventsFeedService } from './events-feed.service';
import type { EventFilter } from './feed-page';
import { EventsPageDto } from './events-page.dto';
import { EventsQueryDto, EventsStreamQueryDto, SEQUENCE_PATTERN } from './events-query.dto';
import { EventsSseService } from './events-sse.service';

const GONE = 'Events after `after` were pruned (older than EVENTS_RETENTION_HOURS): resync, then resume from a current sequence';
const TOO_MANY = {
  status: 429,
  description:
    'Too many open event streams and long-polls, for this token (EVENTS_FEED_MAX_SUBSCRIBERS_PER_TOKEN) or this server (EVENTS_FEED_MAX_SUBSCRIBERS): ' +
    'retry after the Retry-After header (seconds); `scope` says which limit',
  headers: { 'Retry-After': { description: `Seconds to wait before retrying (${FEED_RETRY_AFTER_S})`, schema: { type: 'integer' } } },
};
const AHEAD = '`after` beyond the last event sequence (a position from another or a reset database): resync, then resume from a current sequence';

@ApiTags('events')
@BearerAuth()
@ScopeAware()
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly feed: EventsFeedService,
    private readonly sse: EventsSseService,
    private readonly admission: FeedAdmission,
    private readonly metrics: MirrorMetrics,
  ) {}

  @Get()
  @ApiOperation({ summary: 'User-changed events after a sequence, in sequence order (long-poll with `wait`)' })
  @ApiOkResponse({ type: EventsPageDto })
  @ApiBadRequestResponse({ description: `A malformed after, limit or wait; or ${AHEAD}` })
  @ApiGoneResponse({ description: GONE })
  @ApiResponse(TOO_MANY)
  async list(@Query() q: EventsQueryDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<string> {
    const ticket = this.admission.admit(req, res, 'long-poll');
    if (q.wait > 0) this.metrics.feedClientOpened('long_poll', res);
    const gone = new AbortController();
    const onClose = () => gone.abort();
    res.once('close', onClose);
    try {
      const page = await this.feed.pageJson(q.after ?? null, q.limit, q.wait * 1000, gone.signal, ticket.pacer, scopeFilter(req));
      // Already JSON text (the events' data as Postgres printed it): a string would otherwise go out as text/html.
      res.type('application/json');
      return page;
    } finally {
      ticket.release();
      res.off('close', onClose);
    }
  }

  @Get('stream')
  @ApiOperation({
    summary: 'User-changed events as Server-Sent Events',
    description: 'id = sequence, event = CloudEvent type, data = the CloudEvent JSON. Resumes after the Last-Event-ID header, else after `after`.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The sequence of the last event received, sent back on reconnect by an SSE client (a browser: docs/recipes/fetch-sse.mjs, since EventSource cannot send the Authorization header)' })
  @ApiOkResponse({
    description: 'An endless text/event-stream',
    schema: { type: 'string', example: 'id: 1042\nevent: io.github.twilio-mirror.conversations.user.updated\ndata: {"specversion":"1.0",…}\n\n' },
  })
  @ApiBadRequestResponse({ description: `A malformed after or Last-Event-ID; or ${AHEAD}` })
  @ApiGoneResponse({ description: GONE })
  @ApiResponse(TOO_MANY)
  @ApiServiceUnavailableResponse({ description: 'The server is shutting down: reconnect (open streams simply end then)' })
  async stream(
    @Query() q: EventsStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    let after = q.after ?? null;
    if (lastEventId !== undefined && lastEventId.trim() !== '') {
      if (!SEQUENCE_PATTERN.test(lastEventId.trim())) throw new BadRequestException('Last-Event-ID must be an event sequence: a whole number of at most 18 digits');
      after = lastEventId.trim();
    }
    const ticket = this.admission.admit(req, res, 'stream');
    this.metrics.feedClientOpened('sse', res);
    try {
      await this.sse.serve(after, res, ticket.pacer, scopeFilter(req));
    } finally {
      ticket.release();
    }
  }
}

/**
 * The events the request's token may see: none filtered for a token of every account; otherwise those of its accounts
 * and services. (The Redis Stream is not filtered: it holds every account's events, for trusted consumers.)
 */
function scopeFilter(req: Request): EventFilter | undefined {
  const scope = principalOf(req)?.scope;
  return !scope || scope.all ? undefined : (accountSid, serviceSid) => scope.allowsEvent(accountSid, serviceSid);
}
