import { DynamicModule, Module } from '@nestjs/common';
import { OutboxRelay } from './outbox-relay.service';
import { DEFAULT_RELAY_OPTIONS, RELAY_OPTIONS, RelayOptions } from './relay-options';

/**
 * The outbox relay, for the worker role. Every process that imports it competes for the leader lock;
 * one publishes. Needs ConfigModule and LoggerModule (global in the app); it opens its own Postgres and Redis
 * connections.
 */
@Module({ providers: [OutboxRelay], exports: [OutboxRelay] })
export class EventsRelayModule {
  /** The same module with some of its tuning changed (tests, benchmarks, a relay-only process). */
  static withOptions(options: Partial<RelayOptions>): DynamicModule {
    return {
      module: EventsRelayModule,
      providers: [{ provide: RELAY_OPTIONS, useValue: { ...DEFAULT_RELAY_OPTIONS, ...options } }],
    };
  }
}
