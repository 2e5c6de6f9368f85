import { AccessScope } from '@app/auth';
import { Injectable } from '@nestjs/common';
import { ServiceAccountsRepository } from './service-accounts.repository';

/** Whether a scope covers a service, looking its account up only when the scope needs it. */
@Injectable()
export class ServiceScope {
  constructor(private readonly accounts: ServiceAccountsRepository) {}

  async allows(scope: AccessScope, serviceSid: string): Promise<boolean> {
    if (!scope.needsAccountOf(serviceSid)) return scope.allowsService(serviceSid, null);
    return scope.allowsService(serviceSid, await this.accounts.accountOf(serviceSid));
  }

  /** The account of a service as the mirror knows it (see ServiceAccountsRepository). */
  accountOf(serviceSid: string): Promise<string | null> {
    return this.accounts.accountOf(serviceSid);
  }
}
