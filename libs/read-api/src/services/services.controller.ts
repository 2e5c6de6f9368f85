import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Principal, RequestPrincipal } from '@app/auth';
import { ScopedBearerAuth, TriggerRight } from '../access/scope.decorators';
import { PagingQueryDto } from '../common/paging.dto';
import { SidPipe } from '../common/sids';
import { ApiErrorDto } from '../errors/error.dto';
import { ApiErrors } from '../errors/error-responses';
import { ServicePageDto, ServiceStatusDto, SyncTriggeredDto } from './service-status.dto';
import { ServicesService } from './services.service';

@ApiTags('services')
@ScopedBearerAuth()
@Controller('v1/services')
export class ServicesController {
  constructor(private readonly services: ServicesService) {}

  @Get()
  @ApiOperation({
    summary: 'Every mirrored service the token may read, with its sync status: last and current run, last success, user count, removal, account health',
  })
  @ApiOkResponse({ type: ServicePageDto })
  @ApiErrors()
  list(@Query() q: PagingQueryDto, @RequestPrincipal() principal: Principal): Promise<ServicePageDto> {
    return this.services.list(principal.scope, q.limit, q.cursor);
  }

  @Get(':serviceSid')
  @ApiOperation({ summary: "One service's sync status" })
  @ApiOkResponse({ type: ServiceStatusDto })
  @ApiErrors({ notFound: 'The service is not in the mirror, or not in the token\'s scope' })
  get(@Param('serviceSid', new SidPipe('IS')) sid: string): Promise<ServiceStatusDto> {
    return this.services.get(sid);
  }

  @Post(':serviceSid/sync')
  @TriggerRight()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Crawl the service now (deduplicated: a crawl already queued or running stands)' })
  @ApiAcceptedResponse({ type: SyncTriggeredDto })
  @ApiConflictResponse({ type: ApiErrorDto, description: 'The service is disabled' })
  @ApiServiceUnavailableResponse({ type: ApiErrorDto, description: 'The crawl queue (Redis) did not answer within 5 s' })
  @ApiErrors({ notFound: "The service is neither mirrored nor configured, or not in the token's scope" })
  sync(@Param('serviceSid', new SidPipe('IS')) sid: string): Promise<SyncTriggeredDto> {
    return this.services.triggerSync(sid);
  }
}
