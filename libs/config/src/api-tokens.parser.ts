import { readFileSync } from 'node:fs';
import type { ApiTokenGrant, TokenScopeSpec } from './app-config';

const ACCOUNT = /^AC[0-9a-fA-F]{32}$/;
const SERVICE = /^IS[0-9a-fA-F]{32}$/;
const API_KEY = /^SK[0-9a-fA-F]{32}$/;
const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
export const MIN_TOKEN_LENGTH = 8;

const ENTRY_FORMS = 'token, name:token or name:token:scope';
const TARGET_FORMS = '*, an account sid (AC…), a service sid (IS… or AC…/IS…), or an API key for an account (SK…=AC…)';

export const FULL_ACCESS: Readonly<TokenScopeSpec> = Object.freeze({ trigger: true, all: true, accounts: [], services: [], apiKeys: [] });

/** One line of configuration to read as a token, and how a problem names it (never by its content). */
interface Entry {
  where: string;
  text: string;
}

/**
 * The read-API tokens of API_TOKENS (comma separated) and of the file API_TOKENS_FILE (one per line, `#` comments),
 * in that order. Each entry is `token` (full access, named `token-<n>` by its position), `name:token` (full
 * access) or `name:token:scope`, the scope being `read` or `trigger`, optionally followed by `@` and a `+` list of
 * targets: `*`, `ACsid`, `ISsid`, `ACsid/ISsid`, `SKsid=ACsid`.
 *
 * Problems name the entry by its position only: an entry is a secret, and one written in the wrong order would
 * put its token where a name or a scope is expected.
 */
export function parseApiTokens(envValue: string | undefined, filePath: string | undefined, problems: string[]): ApiTokenGrant[] {
  const entries: Entry[] = (envValue ?? '')
    .split(',')
    .map((text, i) => ({ where: `API_TOKENS: entry ${i + 1}`, text: text.trim() }))
    .filter((e) => e.text !== '');
  if (filePath !== undefined) entries.push(...fileEntries(filePath, problems));

  const grants: ApiTokenGrant[] = [];
  const seen = new Map<string, string>(); // name or token → where first
  for (const entry of entries) {
    const grant = parseEntry(entry, grants.length + 1, problems);
    if (!grant) continue;
    const byName = seen.get(`name:${grant.name}`);
    const byToken = seen.get(`token:${grant.token}`);
    if (byName) problems.push(`${entry.where}: has the same name as ${byName.replace(/^API_TOKENS(_FILE)?: /, '')}`);
    else if (byToken) problems.push(`${entry.where}: repeats the token of ${byToken.replace(/^API_TOKENS(_FILE)?: /, '')}`);
    else {
      seen.set(`name:${grant.name}`, entry.where);
      seen.set(`token:${grant.token}`, entry.where);
      grants.push(grant);
    }
  }
  checkKeys(grants, problems);
  return grants;
}

function fileEntries(path: string, problems: string[]): Entry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    problems.push(`API_TOKENS_FILE: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    return [];
  }
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ where: `API_TOKENS_FILE: line ${i + 1}`, text: line.trim() }))
    .filter((e) => e.text !== '' && !e.text.startsWith('#'));
}

function parseEntry({ where, text }: Entry, position: number, problems: string[]): ApiTokenGrant | null {
  const parts = text.split(':');
  if (parts.length > 3) {
    problems.push(`${where}: has ${parts.length} ':'-separated parts; expected ${ENTRY_FORMS} (a token cannot contain ':')`);
    return null;
  }
  const [name, token, scopeText] = parts.length === 1 ? [`token-${position}`, parts[0], undefined] : parts;
  let ok = true;
  if (!NAME.test(name)) {
    problems.push(`${where}: the name must be a letter followed by at most 63 letters, digits, '.', '_' or '-'`);
    ok = false;
  }
  if (token.length < MIN_TOKEN_LENGTH) {
    problems.push(`${where}: a token must be at least ${MIN_TOKEN_LENGTH} characters`);
    ok = false;
  }
  // A Bearer or Basic credential cannot carry whitespace: such a token could never be presented.
  if (/\s/.test(token)) {
    problems.push(`${where}: a token must not contain whitespace`);
    ok = false;
  }
  const scope = scopeText === undefined ? { ...FULL_ACCESS } : parseScope(scopeText, where, problems);
  return ok && scope ? { name, token, scope } : null;
}

/** `read|trigger[@target+target…]`; see parseApiTokens. */
export function parseScope(text: string, where: string, problems: string[]): TokenScopeSpec | null {
  const at = text.indexOf('@');
  const right = at < 0 ? text : text.slice(0, at);
  if (right !== 'read' && right !== 'trigger') {
    problems.push(`${where}: the scope must be read or trigger, optionally followed by @ and targets joined by + (${TARGET_FORMS})`);
    return null;
  }
  const scope: TokenScopeSpec = { trigger: right === 'trigger', all: at < 0, accounts: [], services: [], apiKeys: [] };
  if (at < 0) return scope;
  const targets = text.slice(at + 1).split('+');
  let ok = true;
  for (const [i, target] of targets.entries()) {
    const service = target.split('/');
    const key = target.split('=');
    if (target === '*') scope.all = true;
    else if (ACCOUNT.test(target)) pushOnce(scope.accounts, target);
    else if (SERVICE.test(target)) addService(scope, target, null);
    else if (service.length === 2 && ACCOUNT.test(service[0]) && SERVICE.test(service[1])) addService(scope, service[1], service[0]);
    else if (key.length === 2 && API_KEY.test(key[0]) && ACCOUNT.test(key[1])) {
      const [keySid, accountSid] = key;
      const other = scope.apiKeys.find((k) => k.keySid === keySid);
      if (other && other.accountSid !== accountSid) {
        problems.push(`${where}: API key ${keySid} stands for two accounts; a key belongs to one`);
        ok = false;
      } else if (!other) scope.apiKeys.push({ keySid, accountSid });
    } else {
      problems.push(`${where}: target ${i + 1} of the scope is not ${TARGET_FORMS}`);
      ok = false;
    }
  }
  if (scope.all && (scope.accounts.length || scope.services.length)) {
    problems.push(`${where}: * covers every account and service already: list nothing else but API keys (SK…=AC…)`);
    ok = false;
  }
  if (!scope.all && !scope.accounts.length && !scope.services.length) {
    problems.push(`${where}: the scope names no account or service: add one, or * for all`);
    ok = false;
  }
  for (const key of scope.apiKeys) {
    const covered = scope.all || scope.accounts.includes(key.accountSid) || scope.services.some((s) => s.accountSid === key.accountSid);
    if (!covered) {
      problems.push(`${where}: API key ${key.keySid} stands for ${key.accountSid}, which the scope does not cover (add the account, or its services as ${key.accountSid}/IS…)`);
      ok = false;
    }
  }
  return ok ? scope : null;
}

function addService(scope: TokenScopeSpec, serviceSid: string, accountSid: string | null): void {
  const known = scope.services.find((s) => s.serviceSid === serviceSid);
  if (!known) scope.services.push({ serviceSid, accountSid });
  else if (accountSid !== null) known.accountSid = accountSid;
}

function pushOnce(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}

/** An API key belongs to one account: two tokens may not map it to two. */
function checkKeys(grants: ApiTokenGrant[], problems: string[]): void {
  const owner = new Map<string, string>();
  for (const g of grants) {
    for (const k of g.scope.apiKeys) {
      const known = owner.get(k.keySid);
      if (known !== undefined && known !== k.accountSid) problems.push(`API_TOKENS: API key ${k.keySid} stands for ${known} in one entry and ${k.accountSid} in another`);
      owner.set(k.keySid, k.accountSid);
    }
  }
}
