import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AdminControlController } from './admin/admin-control.controller';
import { AdminTokenGuard } from './admin/admin-token.guard';
import { AdminUsersController } from './admin/admin-users.controller';
import { AdminWebhooksController } from './admin/admin-webhooks.controller';
import { SimAdminService } from './admin/sim-admin.service';
import { SimRuntime } from './config/sim-runtime.service';
import { SIM_CONFIG } from './config/sim.constants';
import type { SimulatorConfig } from './config/simulator-options';
import { SimExceptionFilter } from './sim-exception.filter';
import { SimStore } from './store/sim-store.service';
import { ReadRequestFactory } from './twilio/read-request.factory';
import { RequestStatsMiddleware } from './twilio/request-stats.middleware';
import { ServicesController } from './twilio/services.controller';
import { TwilioAuthGuard } from './twilio/twilio-auth.guard';
import { TwilioReadService } from './twilio/twilio-read.service';
import { UsersController } from './twilio/users.controller';
import { BehaviorService } from './upstream/behavior.service';
import { ConcurrencyService } from './upstream/concurrency.service';
import { FaultsService } from './upstream/faults.service';
import { LatencyService } from './upstream/latency.service';
import { StatsService } from './upstream/stats.service';
import { UpstreamInterceptor } from './upstream/upstream.interceptor';
import { DeliveryFaultsService } from './webhooks/delivery-faults.service';
import { WebhookConfigController } from './webhooks/webhook-config.controller';
import { WebhookConfigService } from './webhooks/webhook-config.service';
import { WebhookDispatcherService } from './webhooks/webhook-dispatcher.service';
import { WebhookSenderService } from './webhooks/webhook-sender.service';

/** One simulator instance; every provider is per app, so several simulators can share a process. */
@Module({})
export class TwilioSimModule implements NestModule {
  static forRoot(config: SimulatorConfig): DynamicModule {
    return {
      module: TwilioSimModule,
      controllers: [
        ServicesController,
        UsersController,
        WebhookConfigController,
        AdminUsersController,
        AdminControlController,
        AdminWebhooksController,
      ],
      providers: [
        { provide: SIM_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: SimExceptionFilter },
        SimRuntime,
        SimStore,
        BehaviorService,
        StatsService,
        ConcurrencyService,
        FaultsService,
        LatencyService,
        TwilioReadService,
        ReadRequestFactory,
        TwilioAuthGuard,
        UpstreamInterceptor,
        AdminTokenGuard,
        WebhookConfigService,
        DeliveryFaultsService,
        WebhookSenderService,
        WebhookDispatcherService,
        SimAdminService,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestStatsMiddleware).forRoutes(ServicesController, UsersController, WebhookConfigController);
  }
}
