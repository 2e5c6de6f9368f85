import { AccessScope } from '@app/auth';
import { Injectable, NotFoundException } from '@nestjs/common';
import { ServiceScope } from '../access/service-scope.service';
import { decodeCursor, encodeCursor, queryFingerprint } from '../common/opaque-cursor';
import { isSid } from '../common/sids';
import { ListUsersQueryDto } from './list-users.query.dto';
import { UserJsonRow } from './user-columns';
import { UserListFilters } from './user-list.query';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly services: ServiceScope,
  ) {}

  /** A page as MirrorUserPageDto's JSON text, and the event sequence it is consistent with. */
  async list(serviceSid: string, q: ListUsersQueryDto): Promise<{ json: string; asOfSequence: string }> {
    const filters: UserListFilters = {
      identity: q.identity,
      identityPrefix: q.identity_prefix,
      roleSid: q.role_sid,
      attributes: q.attributes,
      q: q.q,
      updatedSince: q.updated_since === undefined ? undefined : new Date(Date.parse(q.updated_since.replace(' ', 'T'))).toISOString(),
      deleted: q.deleted,
    };
    const fingerprint = queryFingerprint([serviceSid, filters]);
    const after = decodeCursor(q.cursor, fingerprint, (a) => isSid('US', a));
    const { rows, asOfSequence } = await this.users.list(serviceSid, filters, after, q.limit + 1);
    if (rows.length === 0 && after === null && !(await this.users.serviceKnown(serviceSid))) throw unknownService(serviceSid);
    const page = rows.length > q.limit ? rows.slice(0, q.limit) : rows;
    const next = rows.length > q.limit ? encodeCursor(page[page.length - 1].sid, fingerprint) : null;
    return {
      json: `{"users":[${page.map((u) => u.json).join(',')}],"next_cursor":${JSON.stringify(next)},"as_of_sequence":${JSON.stringify(asOfSequence)}}`,
      asOfSequence,
    };
  }

  /** A user in a service out of the scope is answered as one that does not exist. */
  async bySid(scope: AccessScope, sid: string, includeDeleted: boolean): Promise<UserJsonRow> {
    const user = await this.users.bySid(sid, includeDeleted);
    if (!user || !(await this.services.allows(scope, user.service_sid))) throw new NotFoundException(`user ${sid} is not in the mirror${includeDeleted ? '' : ' (or was deleted: add include_deleted=true)'}`);
    return user;
  }

  async inService(serviceSid: string, key: string, includeDeleted: boolean): Promise<UserJsonRow> {
    const user = await this.users.bySidOrIdentity(serviceSid, key, includeDeleted);
    if (user) return user;
    if (!(await this.users.serviceKnown(serviceSid))) throw unknownService(serviceSid);
    const what = isSid('US', key) ? `user ${key}` : `no user with identity ${JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key)}`;
    throw new NotFoundException(`${what} in service ${serviceSid}${includeDeleted ? '' : ' (deleted users need include_deleted=true)'}`);
  }
}

export function unknownService(serviceSid: string): NotFoundException {
  return new NotFoundException(`service ${serviceSid} is not in the mirror`);
}
