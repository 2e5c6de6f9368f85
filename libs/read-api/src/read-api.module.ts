import { AuthModule } from '@app/auth';
import { DatabaseModule } from '@app/database';
import { ErasureModule } from '@app/erasure';
import { MirrorStateRepository } from '@app/metrics';
import { QueueModule } from '@app/queue';
import { RateLimitModule } from '@app/rate-limit';
import { RedisModule } from '@app/redis';
import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ScopeGuard } from './access/scope.guard';
import { ServiceAccountsRepository } from './access/service-accounts.repository';
import { ServiceScope } from './access/service-scope.service';
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
import { PersonalDataController } from './users/personal-data.controller';
import { PersonalDataService } from './users/personal-data.service';
import { UsersController } from './users/users.controller';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

/**
 * The api role's queries, sync triggers, erasures on request, the status page and Bull Board (health and metrics are
 * every process's: libs/health, libs/metrics). Each controller declares the auth it needs (ScopedBearerAuth,
 * ScopedTwilioAuth: the token, then its scope; @app/auth's BrowserBasicAuth for the pages). The exception filter is
 * global (APP_FILTER): every HTTP route of the process, the change feed's too, answers errors in one shape.
 */
@Module({
  imports: [AuthModule, DatabaseModule, QueueModule, RedisModule, RateLimitModule, QueuesBoardModule, ErasureModule],
  // The user reads first: Express tries routes in registration order, and these are the hot ones.
  controllers: [UsersController, TwilioUsersController, ServicesController, SyncRunsController, PersonalDataController, StatusController],
  providers: [
    ServiceAccountsRepository,
    ServiceScope,
    ScopeGuard,
    PersonalDataService,
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
