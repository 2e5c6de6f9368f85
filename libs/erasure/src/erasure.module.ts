import { DatabaseModule } from '@app/database';
import { RedisModule } from '@app/redis';
import { DynamicModule, Module } from '@nestjs/common';
import { ErasureRepository } from './erasure.repository';
import { DEFAULT_ERASURE_OPTIONS, ERASURE_OPTIONS, ErasureOptions, PersonalDataErasure } from './personal-data-erasure.service';

/** Erasure of deleted users' personal data: run on a schedule by the scheduler role, on request by the read API. */
@Module({ imports: [DatabaseModule, RedisModule], providers: [ErasureRepository, PersonalDataErasure], exports: [PersonalDataErasure] })
export class ErasureModule {
  /** The same module with some of its tuning changed (tests). */
  static withOptions(options: Partial<ErasureOptions>): DynamicModule {
    return { module: ErasureModule, providers: [{ provide: ERASURE_OPTIONS, useValue: { ...DEFAULT_ERASURE_OPTIONS, ...options } }] };
  }
}
