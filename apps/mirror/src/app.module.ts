import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { LoggerModule } from '@app/logger';
import { QueueModule } from '@app/queue';
import { ReadApiModule } from '@app/read-api';
import { SchedulerModule } from '@app/scheduler';
import { WorkerModule } from '@app/sync';
import { DynamicModule, Module } from '@nestjs/common';
import { Logger } from 'pino';

/** One set of modules; ROLES picks which of the api, worker and scheduler parts this process runs. */
@Module({})
export class AppModule {
  static forRoles(config: AppConfig, rootLogger: Logger): DynamicModule {
    const roles = config.roles;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(rootLogger),
        DatabaseModule,
        QueueModule,
        ...(roles.has('api') ? [ReadApiModule] : []),
        ...(roles.has('worker') ? [WorkerModule] : []),
        ...(roles.has('scheduler') ? [SchedulerModule] : []),
      ],
    };
  }
}
