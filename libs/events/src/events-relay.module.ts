import { DatabaseModule } from '@app/database';
import { RedisModule } from '@app/redis';
import { DynamicModule, Module } from '@nestjs/common';
import { OutboxRelay } from './outbox-relay.service';
import { DEFAULT_RELAY_OPTIONS, RELAY_OPTIONS, RelayOptions } from './relay-options';

/**
 * The outbox relay, for the worker role. Every process that imports it competes for the leader lock;
 * one publishes. Its Postgres session and Redis connection are its own, made by their owners.
 */
@Module({ imports: [DatabaseModule, RedisModule], providers: [OutboxRelay], exports: [OutboxRelay] })
export class EventsRelayModule {
  /** The same module with some of its tuning changed (tests, benchmarks, a relay-only process). */
  static withOptions(options: Partial<RelayOptions>): DynamicModule {
    return {
      module: EventsRelayModule,
      providers: [{ provide: RELAY_OPTIONS, useValue: { ...DEFAULT_RELAY_OPTIONS, ...options } }],
    };
  }
}
