import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Principal, RequestPrincipal } from '@app/auth';
import { ScopedBearerAuth } from '../access/scope.decorators';
import { sendJsonText } from '../common/json-response';
import { SidPipe } from '../common/sids';
import { SidOrIdentityPipe } from '../common/text-input';
import { ApiErrors } from '../errors/error-responses';
import { ListUsersQueryDto } from './list-users.query.dto';
import { LookupQuery, LookupQueryPipe } from './lookup-query.pipe';
import { MirrorUserDto, MirrorUserPageDto } from './mirror-user.dto';
import { UsersService } from './users.service';

const INCLUDE_DELETED = {
  name: 'include_deleted',
  required: false,
  enum: ['true', 'false'],
  description: 'Answer a tombstoned (deleted upstream) user instead of 404; default false',
};

/** The hot path: Postgres writes the JSON (see user-columns.ts), sendJsonText sends it (see json-response.ts). */
@ApiTags('users')
@ScopedBearerAuth()
@Controller('v1')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('services/:serviceSid/users')
  @ApiOperation({ summary: "A service's users, filtered, in sid order, keyset-paged (stable while the crawler writes)" })
  @ApiParam({ name: 'serviceSid', example: 'IS0123456789abcdef0123456789abcdef' })
  @ApiOkResponse({ type: MirrorUserPageDto })
  @ApiErrors({ notFound: 'The service is not in the mirror' })
  async list(@Param('serviceSid', new SidPipe('IS')) serviceSid: string, @Query() q: ListUsersQueryDto, @Res() res: Response): Promise<void> {
    const page = await this.users.list(serviceSid, q);
    res.setHeader('X-Mirror-Sequence', page.asOfSequence);
    sendJsonText(res, 200, page.json);
  }

  @Get('services/:serviceSid/users/:sidOrIdentity')
  @ApiOperation({ summary: 'One user of a service by sid or by identity (URL-encoded), as Twilio resolves it' })
  @ApiParam({ name: 'sidOrIdentity', description: 'A US sid, or an identity URL-encoded as one path segment' })
  @ApiQuery(INCLUDE_DELETED)
  @ApiOkResponse({ type: MirrorUserDto })
  @ApiErrors({ notFound: 'No such user in the service (deleted users need include_deleted=true), or no such service' })
  async inService(
    @Param('serviceSid', new SidPipe('IS')) serviceSid: string,
    @Param('sidOrIdentity', new SidOrIdentityPipe()) key: string,
    @Query(new LookupQueryPipe()) q: LookupQuery,
    @Res() res: Response,
  ): Promise<void> {
    sendJsonText(res, 200, (await this.users.inService(serviceSid, key, q.includeDeleted)).json);
  }

  @Get('users/:sid')
  @ApiOperation({ summary: 'One user by sid, in whichever service it is' })
  @ApiQuery(INCLUDE_DELETED)
  @ApiOkResponse({ type: MirrorUserDto })
  @ApiErrors({ notFound: "No such user (deleted users need include_deleted=true), or one of a service out of the token's scope" })
  async bySid(
    @Param('sid', new SidPipe('US')) sid: string,
    @Query(new LookupQueryPipe()) q: LookupQuery,
    @RequestPrincipal() principal: Principal,
    @Res() res: Response,
  ): Promise<void> {
    sendJsonText(res, 200, (await this.users.bySid(principal.scope, sid, q.includeDeleted)).json);
  }
}
