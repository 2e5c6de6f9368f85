import { AccountEntity } from './account.entity';
import { ServiceEntity } from './service.entity';
import { SyncRunEntity } from './sync-run.entity';
import { UserEventEntity } from './user-event.entity';
import { UserEntity } from './user.entity';

export { AccountEntity, ServiceEntity, SyncRunEntity, UserEventEntity, UserEntity };
export * from './sync-run.entity';

/** Listed, not globbed: globs break under bundlers and hide what the data source really loads. */
export const ENTITIES = [AccountEntity, ServiceEntity, SyncRunEntity, UserEventEntity, UserEntity];
