import { AuthModule } from '@app/auth';
import { DatabaseModule } from '@app/database';
import { MirrorStateRepository } from '@app/metrics';
import { QueueModule } from '@app/queue';
import { RateLimitModule } from '@app/rate-limit';
import { RedisModule } from '@app/redis';
import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { QueuesBoardModule } from './admin/queues-board.module';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { ServicesController } from './services/services.controller';
import { ServicesReadRepository } from './services/services.repository';
import { ServicesService } from './services/services.service';
import { SyncRunsController } from './services/sync-runs.controller';
import { SyncRunsReadRepository } from './services/sync-runs.repository';
import { SyncRunsService } from './services/sync-runs.service';
import { StatusController } from './status/status.controller';
import { StatusService } from './status/status.service';
import { TwilioUsersController } from './twilio/twilio-users.controller';
import { TwilioUsersService } from './twilio/twilio-users.service';
import { UsersController } from './users/users.controller';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

/**
 * The api role's queries and sync triggers, the status page and Bull Board (health and metrics are every
 * process's: libs/health, libs/metrics).
 * Each controller declares the auth it needs (@app/auth). The exception filter is global (APP_FILTER): every
 * HTTP route of the process, the change feed's too, answers errors in one shape.
 */
@Module({
  imports: [AuthModule, DatabaseModule, QueueModule, RedisModule, RateLimitModule, QueuesBoardModule],
  // The user reads first: Express tries routes in registration order, and these are the hot ones.
  controllers: [UsersController, TwilioUsersController, ServicesController, SyncRunsController, StatusController],
  providers: [
    UsersRepository,
    UsersService,
    ServicesReadRepository,
    ServicesService,
    SyncRunsReadRepository,
    SyncRunsService,
    TwilioUsersService,
    MirrorStateRepository,
    StatusService,
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
  ],
})
export class ReadApiModule {}
