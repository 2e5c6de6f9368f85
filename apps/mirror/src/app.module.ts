import { AppConfig, ConfigModule, Role } from '@app/config';
import { DatabaseModule } from '@app/database';
import { LoggerModule } from '@app/logger';
import { QueueModule } from '@app/queue';
import { RateLimitModule } from '@app/rate-limit';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { Logger } from 'pino';

/**
 * What each role adds on top of the shared core. Loaded on demand so a worker process does not load the
 * HTTP layer, nor an API process the crawler.
 */
const ROLE_MODULES: Record<Role, () => Type[]> = {
  api: () => [require('@app/read-api').ReadApiModule, require('@app/events').EventsFeedModule],
  // Every worker process runs a relay; one at a time leads (advisory lock), the others stand by.
  worker: () => [require('@app/sync').WorkerModule, require('@app/events').EventsRelayModule],
  scheduler: () => [require('@app/scheduler').SchedulerModule],
};

/** One set of modules; ROLES picks which of the api, worker and scheduler parts this process runs. */
@Module({})
export class AppModule {
  static forRoles(config: AppConfig, rootLogger: Logger): DynamicModule {
    const roles = (['api', 'worker', 'scheduler'] as Role[]).filter((r) => config.roles.has(r));
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(rootLogger),
        DatabaseModule,
        QueueModule,
        RateLimitModule,
        ...roles.flatMap((r) => ROLE_MODULES[r]()),
      ],
    };
  }
}
