import { AccessScope } from '@app/auth';
import { PersonalDataErasure } from '@app/erasure';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { ServiceScope } from '../access/service-scope.service';
import { UsersRepository } from './users.repository';

/** DELETE /v1/users/{US}/personal-data: a deleted user's personal data erased now, rather than after the retention. */
@Injectable()
export class PersonalDataService {
  constructor(
    private readonly users: UsersRepository,
    private readonly services: ServiceScope,
    private readonly erasure: PersonalDataErasure,
  ) {}

  /** The erased tombstone's JSON and what was erased, as PersonalDataErasedDto's JSON text. */
  async erase(scope: AccessScope, sid: string): Promise<string> {
    const user = await this.users.bySid(sid, true);
    if (!user || !(await this.services.allows(scope, user.service_sid))) throw new NotFoundException(`user ${sid} is not in the mirror`);
    // A user re-created upstream since the check is live again: eraseUser finds no tombstone and erases nothing.
    const erased = user.deleted ? await this.erasure.eraseUser(sid) : null;
    if (!erased) {
      throw new ConflictException(`user ${sid} is live upstream: the mirror erases the personal data of deleted users only (delete the user on Twilio, then crawl)`);
    }
    const after = await this.users.bySid(sid, true);
    return `{"user":${after!.json},"events_erased":${erased.events},"stream_entries_deleted":${erased.streamEntries}}`;
  }
}
