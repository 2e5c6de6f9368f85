import { AccessScope } from '@app/auth';
import { Injectable, NotFoundException } from '@nestjs/common';
import { decodeCursor, encodeCursor, queryFingerprint } from '../common/opaque-cursor';
import { UsersRepository } from '../users/users.repository';
import { unknownService } from '../users/users.service';
import { RUN_ID } from './run-columns';
import { SyncRunDetailDto, SyncRunPageDto } from './sync-run.dto';
import { SyncRunsReadRepository } from './sync-runs.repository';

@Injectable()
export class SyncRunsService {
  constructor(
    private readonly runs: SyncRunsReadRepository,
    private readonly users: UsersRepository,
  ) {}

  /** A service's runs (ScopeGuard checked the service), or every run the scope covers. */
  async list(scope: AccessScope, serviceSid: string | null, limit: number, cursor: string | undefined): Promise<SyncRunPageDto> {
    const fingerprint = queryFingerprint(['sync-runs', serviceSid]);
    const before = decodeCursor(cursor, fingerprint, (a) => RUN_ID.test(a));
    const rows = await this.runs.list(serviceSid, before, limit + 1, scope.filter());
    if (serviceSid !== null && rows.length === 0 && before === null && !(await this.users.serviceKnown(serviceSid))) throw unknownService(serviceSid);
    const page = rows.slice(0, limit);
    return { sync_runs: page, next_cursor: rows.length > limit ? encodeCursor(page[page.length - 1].id, fingerprint) : null };
  }

  /** One run; a run out of the scope is answered as one that does not exist. */
  async get(scope: AccessScope, id: string): Promise<SyncRunDetailDto> {
    const run = await this.runs.get(id);
    if (!run || !scope.allowsEvent(run.account_sid, run.service_sid)) throw new NotFoundException(`sync run ${id} does not exist`);
    return run;
  }
}
