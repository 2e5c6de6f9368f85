import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BearerAuth } from '@app/auth';
import { PagingQueryDto } from '../common/paging.dto';
import { SidPipe } from '../common/sids';
import { ApiErrors } from '../errors/error-responses';
import { RunIdPipe } from './run-id.pipe';
import { SyncRunDetailDto, SyncRunPageDto } from './sync-run.dto';
import { SyncRunsService } from './sync-runs.service';

@ApiTags('sync runs')
@BearerAuth()
@Controller('v1')
export class SyncRunsController {
  constructor(private readonly runs: SyncRunsService) {}

  @Get('sync-runs')
  @ApiOperation({ summary: 'Every sync run, latest first' })
  @ApiOkResponse({ type: SyncRunPageDto })
  @ApiErrors()
  list(@Query() q: PagingQueryDto): Promise<SyncRunPageDto> {
    return this.runs.list(null, q.limit, q.cursor);
  }

  @Get('sync-runs/:id')
  @ApiOperation({ summary: 'One sync run' })
  @ApiOkResponse({ type: SyncRunDetailDto })
  @ApiErrors({ notFound: 'No such run' })
  get(@Param('id', new RunIdPipe()) id: string): Promise<SyncRunDetailDto> {
    return this.runs.get(id);
  }

  @Get('services/:serviceSid/sync-runs')
  @ApiOperation({ summary: "A service's sync runs, latest first" })
  @ApiOkResponse({ type: SyncRunPageDto })
  @ApiErrors({ notFound: 'The service is not in the mirror' })
  forService(@Param('serviceSid', new SidPipe('IS')) sid: string, @Query() q: PagingQueryDto): Promise<SyncRunPageDto> {
    return this.runs.list(sid, q.limit, q.cursor);
  }
}
