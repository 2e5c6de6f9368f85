import { AccessScope, scopeConditionSql } from './access-scope';

const A = 'AC' + 'a'.repeat(32);
const B = 'AC' + 'b'.repeat(32);
const A1 = 'IS' + '1'.repeat(32);
const B1 = 'IS' + '2'.repeat(32);
const B2 = 'IS' + '3'.repeat(32);
const K = 'SK' + 'c'.repeat(32);

describe('AccessScope', () => {
  const full = AccessScope.full();
  const accountA = new AccessScope({ trigger: false, all: false, accounts: [A], services: [], apiKeys: [{ keySid: K, accountSid: A }] });
  const serviceB1 = new AccessScope({ trigger: true, all: false, accounts: [], services: [{ serviceSid: B1, accountSid: B }], apiKeys: [] });
  const bareService = new AccessScope({ trigger: false, all: false, accounts: [], services: [{ serviceSid: B1, accountSid: null }], apiKeys: [] });

  it('allows events, services and accounts by the accounts and services it lists', () => {
    expect([full.allowsEvent(B, B2), accountA.allowsEvent(A, A1), accountA.allowsEvent(B, B1), serviceB1.allowsEvent(B, B1), serviceB1.allowsEvent(B, B2)]).toEqual([
      true,
      true,
      false,
      true,
      false,
    ]);
    expect([accountA.allowsService(A1, A), accountA.allowsService(A1, null), accountA.allowsService(B1, B), serviceB1.allowsService(B1, null)]).toEqual([true, false, false, true]);
    expect([full.needsAccountOf(A1), accountA.needsAccountOf(A1), serviceB1.needsAccountOf(B1), serviceB1.needsAccountOf(B2)]).toEqual([false, true, false, false]);
  });

  it('names the accounts the Twilio surface accepts as user name, and the account of each API key', () => {
    expect([full.readsAccount(B), accountA.readsAccount(A), accountA.readsAccount(B), serviceB1.readsAccount(B), bareService.readsAccount(B)]).toEqual([true, true, false, true, false]);
    expect([accountA.accountOfKey(K), full.accountOfKey(K)]).toEqual([A, null]);
  });

  it('says whether it may trigger work', () => {
    expect([full.canTrigger, accountA.canTrigger, serviceB1.canTrigger]).toEqual([true, false, true]);
  });

  it('gives an SQL form: everything, or lists of accounts and services', () => {
    expect(full.filter()).toEqual({ all: true });
    expect(serviceB1.filter()).toEqual({ all: false, accountSids: [], serviceSids: [B1] });
    const values: unknown[] = [];
    const bind = (v: string[]) => `$${values.push(v)}`;
    expect(scopeConditionSql(full.filter(), { account: 'e.account_sid', service: 'e.service_sid' }, bind)).toBe('true');
    expect(scopeConditionSql(accountA.filter(), { account: 'e.account_sid', service: 'e.service_sid' }, bind)).toBe(
      '(e.account_sid = ANY($1::varchar[]) OR e.service_sid = ANY($2::varchar[]))',
    );
    expect(values).toEqual([[A], []]);
  });
});
