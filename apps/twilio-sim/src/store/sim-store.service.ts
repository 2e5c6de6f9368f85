import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Prng, deriveSeed } from '../common/prng';
import { randomHex, randomSid, type SidPrefix } from '../common/sid';
import { nowEpochSeconds } from '../common/twilio-date';
import {
  SIM_CONFIG,
  SIM_DEFAULT_ACCOUNT_SID,
  SIM_DEFAULT_API_KEY_SECRET,
  SIM_DEFAULT_API_KEY_SID,
  SIM_DEFAULT_AUTH_TOKEN,
} from '../config/sim.constants';
import type { SimulatorConfig } from '../config/simulator-options';
import { AccountRecord } from './account.record';
import { ChatServiceRecord } from './chat-service.record';
import { insertSorted, removeSorted } from './sorted-search';

const ROLES_PER_SERVICE = 3;

/** Accounts, credentials and services; users live in each service's UserTable. */
@Injectable()
export class SimStore {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly apiKeyOwners = new Map<string, AccountRecord>();
  private readonly services = new Map<string, ChatServiceRecord>();
  private prng: Prng;

  constructor(@Inject(SIM_CONFIG) private readonly config: SimulatorConfig) {
    this.reset();
  }

  get seed(): number {
    return this.config.seed;
  }

  /** Back to the start state: only the default account, no services, the sid stream rewound. */
  reset(): void {
    this.accounts.clear();
    this.apiKeyOwners.clear();
    this.services.clear();
    this.prng = new Prng(deriveSeed(this.config.seed, 'store'));
    const account = this.upsertAccount(SIM_DEFAULT_ACCOUNT_SID, SIM_DEFAULT_AUTH_TOKEN);
    this.addApiKey(account, SIM_DEFAULT_API_KEY_SID, SIM_DEFAULT_API_KEY_SECRET);
  }

  /** The account these Basic credentials belong to (account sid + auth token, or API key sid + secret). */
  authenticate(username: string, password: string): AccountRecord | null {
    if (username.startsWith('AC')) {
      const account = this.accounts.get(username);
      return account && safeEqual(account.authToken, password) ? account : null;
    }
    if (username.startsWith('SK')) {
      const owner = this.apiKeyOwners.get(username);
      const secret = owner?.apiKeys.get(username);
      return owner && secret !== undefined && safeEqual(secret, password) ? owner : null;
    }
    return null;
  }

  account(sid: string): AccountRecord | undefined {
    return this.accounts.get(sid);
  }

  upsertAccount(sid: string, authToken: string): AccountRecord {
    const existing = this.accounts.get(sid);
    if (existing) {
      existing.authToken = authToken;
      return existing;
    }
    const account = new AccountRecord(sid, authToken);
    this.accounts.set(sid, account);
    return account;
  }

  apiKeyOwner(keySid: string): AccountRecord | undefined {
    return this.apiKeyOwners.get(keySid);
  }

  addApiKey(account: AccountRecord, keySid: string, secret: string): void {
    account.apiKeys.set(keySid, secret);
    this.apiKeyOwners.set(keySid, account);
  }

  service(sid: string): ChatServiceRecord | undefined {
    return this.services.get(sid);
  }

  addService(account: AccountRecord, sid: string, friendlyName: string | null): ChatServiceRecord {
    const now = nowEpochSeconds();
    const roles = new Prng(deriveSeed(sid, 'roles'));
    const roleSids = Array.from({ length: ROLES_PER_SERVICE }, () => randomSid('RL', roles));
    const service = new ChatServiceRecord(sid, account.sid, friendlyName, now, now, roleSids);
    if (!insertSorted(account.services, service)) throw new Error(`duplicate service sid ${sid}`);
    this.services.set(sid, service);
    return service;
  }

  removeService(sid: string): boolean {
    const service = this.services.get(sid);
    if (!service) return false;
    this.services.delete(sid);
    const account = this.accounts.get(service.accountSid);
    if (account) removeSorted(account.services, sid);
    return true;
  }

  /** Next sid of the simulator's seeded stream: same seed and same calls → same sids. */
  newSid(prefix: SidPrefix): string {
    return randomSid(prefix, this.prng);
  }

  newSecret(): string {
    return randomHex(this.prng, 32);
  }
}

function safeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
