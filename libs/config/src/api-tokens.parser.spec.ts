import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseApiTokens } from './api-tokens.parser';
import { loadConfig } from './load-config';

const AC1 = 'AC' + '1'.repeat(32);
const AC2 = 'AC' + '2'.repeat(32);
const IS1 = 'IS' + '3'.repeat(32);
const IS2 = 'IS' + '4'.repeat(32);
const SK1 = 'SK' + '5'.repeat(32);
const FULL = { trigger: true, all: true, accounts: [], services: [], apiKeys: [] };

function parse(env: string | undefined, file?: string) {
  const problems: string[] = [];
  const grants = parseApiTokens(env, file, problems);
  return { grants, problems };
}

describe('API_TOKENS grammar', () => {
  it('keeps plain tokens working as full access, named by position', () => {
    expect(parse(' first-token-1 , second-token-2 ,').grants).toEqual([
      { name: 'token-1', token: 'first-token-1', scope: FULL },
      { name: 'token-2', token: 'second-token-2', scope: FULL },
    ]);
  });

  it('reads names and scopes: rights, accounts, services, ACsid/ISsid, * and API keys', () => {
    const { grants, problems } = parse(
      [
        'ops:ops-token-123',
        `crm:crm-token-123:read@${AC1}`,
        `bot:bot-token-123:trigger@${IS1}+${AC2}/${IS2}`,
        `sdk:sdk-token-123:read@${AC1}+${SK1}=${AC1}`,
        `all:all-token-123:read@*+SK${'6'.repeat(32)}=${AC2}`,
        'audit:audit-token-1:read',
      ].join(','),
    );
    expect(problems).toEqual([]);
    expect(grants.map((g) => [g.name, g.scope])).toEqual([
      ['ops', FULL],
      ['crm', { trigger: false, all: false, accounts: [AC1], services: [], apiKeys: [] }],
      ['bot', { trigger: true, all: false, accounts: [], services: [{ serviceSid: IS1, accountSid: null }, { serviceSid: IS2, accountSid: AC2 }], apiKeys: [] }],
      ['sdk', { trigger: false, all: false, accounts: [AC1], services: [], apiKeys: [{ keySid: SK1, accountSid: AC1 }] }],
      ['all', { trigger: false, all: true, accounts: [], services: [], apiKeys: [{ keySid: 'SK' + '6'.repeat(32), accountSid: AC2 }] }],
      ['audit', { trigger: false, all: true, accounts: [], services: [], apiKeys: [] }],
    ]);
  });

  it('names the entry and the reason for every bad scope, and never echoes a token', () => {
    const secret = 'Sup3rSecretTokenValue';
    const { problems } = parse(
      [
        `a:${secret}1:write`, // 1: unknown right
        `b:${secret}2:read@`, // 2: no targets
        `c:${secret}3:read@AC123`, // 3: not a sid
        `d:${secret}4:read@*+${AC1}`, // 4: * with more
        `e:${secret}5:read@${AC1}+${SK1}=${AC2}`, // 5: key outside the scope
        `${secret}6:f`, // 6: token and name swapped: a 1-character token
        `g:${secret}7:read:${secret}8`, // 7: four parts
        `1bad:${secret}9`, // 8: bad name
        `h:${secret}A:read@${SK1}=${AC1}+${SK1}=${AC2}+${AC1}+${AC2}`, // 9: one key, two accounts
        `i:short`, // 10
        `a:${secret}B`, // 11: same name as 1 (which failed, so no clash)
        `j:${secret}B`, // 12: same token as 11
      ].join(','),
    );
    const text = problems.join('\n');
    expect(problems).toEqual([
      expect.stringMatching(/^API_TOKENS: entry 1: the scope must be read or trigger/),
      'API_TOKENS: entry 2: target 1 of the scope is not *, an account sid (AC…), a service sid (IS… or AC…/IS…), or an API key for an account (SK…=AC…)',
      expect.stringMatching(/^API_TOKENS: entry 2: the scope names no account or service/),
      expect.stringMatching(/^API_TOKENS: entry 3: target 1 of the scope is not/),
      expect.stringMatching(/^API_TOKENS: entry 3: the scope names no account or service/),
      'API_TOKENS: entry 4: * covers every account and service already: list nothing else but API keys (SK…=AC…)',
      `API_TOKENS: entry 5: API key ${SK1} stands for ${AC2}, which the scope does not cover (add the account, or its services as ${AC2}/IS…)`,
      'API_TOKENS: entry 6: a token must be at least 8 characters',
      expect.stringMatching(/^API_TOKENS: entry 7: has 4 ':'-separated parts/),
      expect.stringMatching(/^API_TOKENS: entry 8: the name must be a letter/),
      `API_TOKENS: entry 9: API key ${SK1} stands for two accounts; a key belongs to one`,
      'API_TOKENS: entry 10: a token must be at least 8 characters',
      'API_TOKENS: entry 12: repeats the token of entry 11',
    ]);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('short');
  });

  it('refuses two entries with one name, and one API key standing for two accounts across entries', () => {
    expect(parse('x:first-token-1,x:second-token-2').problems).toEqual(['API_TOKENS: entry 2: has the same name as entry 1']);
    expect(parse(`x:first-token-1:read@${AC1}+${SK1}=${AC1},y:second-token-2:read@${AC2}+${SK1}=${AC2}`).problems).toEqual([
      `API_TOKENS: API key ${SK1} stands for ${AC1} in one entry and ${AC2} in another`,
    ]);
  });

  it('reads a tokens file after the variable: one entry per line, comments and blank lines skipped', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mirror-tokens-'));
    try {
      const file = path.join(dir, 'tokens');
      writeFileSync(file, `# read-API tokens\n\ncrm:crm-token-123:read@${AC1}\r\n  plain-token-99  \nbad:tok\n`);
      const { grants, problems } = parse('env-token-1', file);
      expect(grants.map((g) => [g.name, g.token])).toEqual([
        ['token-1', 'env-token-1'],
        ['crm', 'crm-token-123'],
        ['token-3', 'plain-token-99'],
      ]);
      expect(problems).toEqual(['API_TOKENS_FILE: line 5: a token must be at least 8 characters']);
      expect(parse(undefined, path.join(dir, 'missing')).problems).toEqual(['API_TOKENS_FILE: cannot be read (ENOENT)']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets a tokens file alone satisfy the api role', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mirror-tokens-'));
    try {
      const file = path.join(dir, 'tokens');
      writeFileSync(file, `ops:ops-token-123\n`);
      const config = loadConfig({ ROLES: 'api', API_TOKENS_FILE: file });
      expect(config.api.grants.map((g) => g.name)).toEqual(['ops']);
      expect(config.api.tokens).toEqual(['ops-token-123']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
