import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { SimRuntime } from '../config/sim-runtime.service';
import { requestOrigin } from '../twilio/sim-request';
import type { TwilioService, TwilioUser } from '../twilio/twilio.types';
import { AdminTokenGuard } from './admin-token.guard';
import { adminValidationPipe } from './admin-validation.pipe';
import { BulkCreateUsersDto } from './dto/bulk-create-users.dto';
import { CreateAccountDto } from './dto/create-account.dto';
import { CreateServiceDto } from './dto/create-service.dto';
import { CreateUserDto } from './dto/create-user.dto';
import { PageUrlQueryDto } from './dto/page-url-query.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { SimAdminService } from './sim-admin.service';
import type { AccountCredentials, BulkCreateUsersResult } from './sim-admin.types';

/** Seeding and mutating accounts, services and users. Resource URLs use the admin request's origin. */
@Controller('admin')
@UseGuards(AdminTokenGuard)
@UsePipes(adminValidationPipe)
export class AdminUsersController {
  constructor(
    private readonly admin: SimAdminService,
    private readonly runtime: SimRuntime,
  ) {}

  @Post('accounts')
  createAccount(@Body() body: CreateAccountDto): AccountCredentials {
    return this.admin.createAccount(body);
  }

  @Get('services')
  listServices(@Req() req: IncomingMessage, @Query('accountSid') accountSid?: string): TwilioService[] {
    return this.admin.listServices(accountSid, this.origin(req));
  }

  @Post('services')
  createService(@Req() req: IncomingMessage, @Body() body: CreateServiceDto): TwilioService {
    return this.admin.createService(body, this.origin(req));
  }

  @Delete('services/:serviceSid')
  @HttpCode(204)
  deleteService(@Param('serviceSid') serviceSid: string): void {
    this.admin.deleteService(serviceSid);
  }

  @Post('services/:serviceSid/users/bulk')
  bulkCreate(@Param('serviceSid') serviceSid: string, @Body() body: BulkCreateUsersDto): BulkCreateUsersResult {
    return this.admin.bulkCreateUsers(serviceSid, body);
  }

  @Post('services/:serviceSid/users')
  createUser(@Req() req: IncomingMessage, @Param('serviceSid') serviceSid: string, @Body() body: CreateUserDto): TwilioUser {
    return this.admin.createUser(serviceSid, body, this.origin(req));
  }

  /** Streamed with backpressure: a million users is ~600 MB of JSON. */
  @Get('services/:serviceSid/users/export')
  async export(@Req() req: IncomingMessage, @Res() res: ServerResponse, @Param('serviceSid') serviceSid: string): Promise<void> {
    const chunks = this.admin.exportUsersJson(serviceSid, this.origin(req));
    const first = chunks.next();
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
    if (!first.done) res.write(first.value);
    for (const chunk of chunks) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await once(res, 'drain');
    }
    res.end();
  }

  @Get('services/:serviceSid/users/page-url')
  pageUrl(@Req() req: IncomingMessage, @Param('serviceSid') serviceSid: string, @Query() query: PageUrlQueryDto): { url: string } {
    return { url: this.admin.pageUrl(serviceSid, query.page, query.pageSize, this.origin(req)) };
  }

  @Get('services/:serviceSid/users/:userSid')
  getUser(@Req() req: IncomingMessage, @Param('serviceSid') serviceSid: string, @Param('userSid') userSid: string): TwilioUser {
    return this.admin.getUser(serviceSid, userSid, this.origin(req));
  }

  @Post('services/:serviceSid/users/:userSid')
  @HttpCode(200)
  updateUser(
    @Req() req: IncomingMessage,
    @Param('serviceSid') serviceSid: string,
    @Param('userSid') userSid: string,
    @Body() body: UpdateUserDto,
  ): TwilioUser {
    return this.admin.updateUser(serviceSid, userSid, body, this.origin(req));
  }

  @Post('services/:serviceSid/users/:userSid/reorder-attributes')
  @HttpCode(200)
  reorderAttributes(
    @Req() req: IncomingMessage,
    @Param('serviceSid') serviceSid: string,
    @Param('userSid') userSid: string,
    @Query('touch') touch?: string,
  ): TwilioUser {
    return this.admin.reorderAttributes(serviceSid, userSid, { touch: touch !== 'false' }, this.origin(req));
  }

  @Delete('services/:serviceSid/users/:userSid')
  @HttpCode(204)
  deleteUser(@Param('serviceSid') serviceSid: string, @Param('userSid') userSid: string): void {
    this.admin.deleteUser(serviceSid, userSid);
  }

  private origin(req: IncomingMessage): string {
    return requestOrigin(req, this.runtime.url);
  }
}
