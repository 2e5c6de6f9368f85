import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ListUsersQueryDto } from './list-users.query.dto';
import { MirrorUserDto, MirrorUserPageDto } from './mirror-user.dto';
import { SidPipe } from './sids';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('v1')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('services/:serviceSid/users')
  @ApiOkResponse({ type: MirrorUserPageDto })
  list(@Param('serviceSid', new SidPipe('IS')) serviceSid: string, @Query() q: ListUsersQueryDto): Promise<MirrorUserPageDto> {
    return this.users.list(serviceSid, q.limit, q.cursor);
  }

  @Get('users/:sid')
  @ApiOkResponse({ type: MirrorUserDto })
  get(@Param('sid', new SidPipe('US')) sid: string): Promise<MirrorUserDto> {
    return this.users.get(sid);
  }
}
