import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ApiAuthGuard } from './auth/api-auth.guard';
import { ApiTokens } from './auth/api-tokens.service';
import { ReadPool } from './common/read-pool';
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
import { UsersController } from './users/users.controller';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

/**
 * The api role. Its guard and exception filter are global (APP_GUARD, APP_FILTER): every HTTP route of the
 * process, including those other modules add (the change feed), needs a token and answers errors alike.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  // The user reads first: Express tries routes in registration order, and these are the hot ones.
  controllers: [UsersController, TwilioUsersController, ServicesController, SyncRunsController, HealthController],
  providers: [
    ApiTokens,
    ReadPool,
    UsersRepository,
    UsersService,
    ServicesReadRepository,
    ServicesService,
    SyncRunsReadRepository,
    SyncRunsService,
    TwilioUsersService,
    { provide: APP_GUARD, useClass: ApiAuthGuard },
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
  ],
  exports: [ApiTokens],
})
export class ReadApiModule {}
