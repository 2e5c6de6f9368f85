import { AuthModule } from '@app/auth';
import { DatabaseModule } from '@app/database';
import { ErasureModule } from '@app/erasure';
import { QueueModule } from '@app/queue';
import { RedisModule } from '@app/redis';
import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ScopeGuard } from './access/scope.guard';
import { ServiceAccountsRepository } from './access/service-accounts.repository';
import { ServiceScope } from './access/service-scope.service';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { HealthController } from './health.controller';
import { ServicesController } from './services/services.controller';
import { ServicesReadRepository } from './services/services.repository';
import { ServicesService } from './services/services.service';
import { SyncRunsController } from './services/sync-runs.controller';
import { SyncRunsReadRepository } from './services/sync-runs.repository';
import { SyncRunsService } from './services/sync-runs.service';
import { TwilioUsersController } from './twilio/twilio-users.controller';
import { TwilioUsersService } from './twilio/twilio-users.service';
import { PersonalDataController } from './users/personal-data.controller';
import { PersonalDataService } from './users/personal-data.service';
import { UsersController } from './users/users.controller';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

/**
 * The api role's queries, sync triggers, erasures on request and health. Each controller declares the auth it needs
 * (ScopedBearerAuth, ScopedTwilioAuth: the token, then its scope; health is open). The
 * exception filter is global (APP_FILTER): every HTTP route of the process, the change feed's too, answers
 * errors in one shape.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), AuthModule, DatabaseModule, QueueModule, RedisModule, ErasureModule],
  // The user reads first: Express tries routes in registration order, and these are the hot ones.
  controllers: [UsersController, TwilioUsersController, ServicesController, SyncRunsController, PersonalDataController, HealthController],
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
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
  ],
})
export class ReadApiModule {}
