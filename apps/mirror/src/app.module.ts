import { AppConfig, ConfigModule, Role } from '@app/config';
import { EventsFeedModule, EventsRelayModule } from '@app/events';
import { HealthModule } from '@app/health';
import { LoggerModule } from '@app/logger';
import { MetricsEndpointModule } from '@app/metrics';
import { ReadApiModule } from '@app/read-api';
import { SchedulerModule } from '@app/scheduler';
import { WorkerModule } from '@app/sync';
import { WebhooksApiModule, WebhooksWorkerModule } from '@app/webhooks';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { Logger } from 'pino';

/** What each role adds on top of configuration and logging; each module imports what it needs. */
const ROLE_MODULES: Record<Role, Type[]> = {
  api: [ReadApiModule, EventsFeedModule, WebhooksApiModule],
  // Every worker process runs a relay; one at a time leads (advisory lock), the others stand by. Webhooks' user
  // fetches run here too: the accounts' clients and budgets live in this role.
  worker: [WorkerModule, EventsRelayModule, WebhooksWorkerModule],
  scheduler: [SchedulerModule],
};

/**
 * One set of modules; ROLES picks which of the api, worker and scheduler parts this process runs. Every process
 * serves /health and /metrics (after the roles' routes: Express tries routes in registration order).
 */
@Module({})
export class AppModule {
  static forRoles(config: AppConfig, rootLogger: Logger): DynamicModule {
    const roles = (['api', 'worker', 'scheduler'] as Role[]).filter((r) => config.roles.has(r));
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(rootLogger),
        ...roles.flatMap((r) => ROLE_MODULES[r]),
        HealthModule,
        MetricsEndpointModule,
      ],
    };
  }
}
