import type { TokenScopeSpec } from '@app/config';

/**
 * The scope in a form SQL can filter on: every row, or the rows of these accounts and these services
 * (`account_sid = ANY($accounts) OR service_sid = ANY($services)`; see scopeConditionSql).
 */
export type ScopeFilter = { all: true } | { all: false; accountSids: string[]; serviceSids: string[] };

/**
 * What a read-API token may see and do: every account and service, or some accounts and some services (a
 * service is visible when it is listed or its account is), read only or also trigger work. Everything out of
 * scope is answered as if it did not exist (404), so a token learns nothing of what it cannot read.
 */
export class AccessScope {
  private readonly accounts: ReadonlySet<string>;
  private readonly services: ReadonlySet<string>;
  /** Accounts a service entry was written with (ACsid/ISsid): the Twilio surface accepts them as user name. */
  private readonly serviceAccounts: ReadonlySet<string>;
  private readonly keys: ReadonlyMap<string, string>;
  /** Every account and service. */
  readonly all: boolean;
  /** May trigger crawls and erasures, not only read. */
  readonly canTrigger: boolean;

  constructor(spec: TokenScopeSpec) {
    this.all = spec.all;
    this.canTrigger = spec.trigger;
    this.accounts = new Set(spec.accounts);
    this.services = new Set(spec.services.map((s) => s.serviceSid));
    this.serviceAccounts = new Set(spec.services.flatMap((s) => (s.accountSid ? [s.accountSid] : [])));
    this.keys = new Map(spec.apiKeys.map((k) => [k.keySid, k.accountSid]));
  }

  static full(): AccessScope {
    return new AccessScope({ trigger: true, all: true, accounts: [], services: [], apiKeys: [] });
  }

  /** Whether an event (or any row carrying both sids: a sync run, a service) is in scope. */
  allowsEvent(accountSid: string, serviceSid: string): boolean {
    return this.all || this.services.has(serviceSid) || this.accounts.has(accountSid);
  }

  /**
   * Whether the service is in scope. `accountSid`: the account the mirror knows it under, or null when unknown;
   * needed only when needsAccountOf(serviceSid) says so.
   */
  allowsService(serviceSid: string, accountSid: string | null): boolean {
    return this.all || this.services.has(serviceSid) || (accountSid !== null && this.accounts.has(accountSid));
  }

  /** Whether allowsService needs the service's account to decide (an account-scoped token, a service it does not list). */
  needsAccountOf(serviceSid: string): boolean {
    return !this.all && !this.services.has(serviceSid) && this.accounts.size > 0;
  }

  /** Whether the Twilio surface accepts this account sid as HTTP Basic user name with this token. */
  readsAccount(accountSid: string): boolean {
    return this.all || this.accounts.has(accountSid) || this.serviceAccounts.has(accountSid);
  }

  /** The account an API key sid stands for with this token (the Twilio surface's `SK…` user name), or null. */
  accountOfKey(keySid: string): string | null {
    return this.keys.get(keySid) ?? null;
  }

  /** The scope as data for a query's WHERE clause (see scopeConditionSql). */
  filter(): ScopeFilter {
    return this.all ? { all: true } : { all: false, accountSids: [...this.accounts], serviceSids: [...this.services] };
  }
}

/**
 * The SQL condition of a ScopeFilter over the given columns; `bind` adds a parameter and returns its placeholder.
 * `true` for a full scope, so a query keeps one text per scope shape.
 */
export function scopeConditionSql(filter: ScopeFilter, columns: { account: string; service: string }, bind: (value: string[]) => string): string {
  if (filter.all) return 'true';
  return `(${columns.account} = ANY(${bind(filter.accountSids)}::varchar[]) OR ${columns.service} = ANY(${bind(filter.serviceSids)}::varchar[]))`;
}
