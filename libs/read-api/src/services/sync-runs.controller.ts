import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Principal, RequestPrincipal } from '@app/auth';
import { ScopedBearerAuth } from '../access/scope.decorators';
import { PagingQueryDto } from '../common/paging.dto';
import { SidPipe } from '../common/sids';
import { ApiErrors } from '../errors/error-responses';
import { RunIdPipe } from './run-id.pipe';
import { SyncRunDetailDto, SyncRunPageDto } from './sync-run.dto';
import { SyncRunsService } from './sync-runs.service';

@ApiTags('sync runs')
@ScopedBearerAuth()
@Controller('v1')
export class SyncRunsController {
  constructor(private readonly runs: SyncRunsService) {}

  @Get('sync-runs')
  @ApiOperation({ summary: 'Every sync run of the services the token may read, latest first' })
  @ApiOkResponse({ type: SyncRunPageDto })
  @ApiErrors()
  list(@Query() q: PagingQueryDto, @RequestPrincipal() principal: Principal): Promise<SyncRunPageDto> {
    return this.runs.list(principal.scope, null, q.limit, q.cursor);
  }

  @Get('sync-runs/:id')
  @ApiOperation({ summary: 'One sync run' })
  @ApiOkResponse({ type: SyncRunDetailDto })
  @ApiErrors({ notFound: "No such run, or one of a service out of the token's scope" })
  get(@Param('id', new RunIdPipe()) id: string, @RequestPrincipal() principal: Principal): Promise<SyncRunDetailDto> {
    return this.runs.get(principal.scope, id);
  }

  @Get('services/:serviceSid/sync-runs')
  @ApiOperation({ summary: "A service's sync runs, latest first" })
  @ApiOkResponse({ type: SyncRunPageDto })
  @ApiErrors({ notFound: 'The service is not in the mirror' })
  forService(@Param('serviceSid', new SidPipe('IS')) sid: string, @Query() q: PagingQueryDto, @RequestPrincipal() principal: Principal): Promise<SyncRunPageDto> {
    return this.runs.list(principal.scope, sid, q.limit, q.cursor);
  }
}
