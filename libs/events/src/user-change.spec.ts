import type { MirrorUser } from '@app/domain';
import { UserChange, userChangeJson } from './user-change';

const user = (attributes: unknown): MirrorUser => ({
  sid: 'US' + '1'.repeat(32),
  account_sid: 'AC' + '2'.repeat(32),
  chat_service_sid: 'IS' + '3'.repeat(32),
  role_sid: null,
  identity: 'alice "quoted"',
  friendly_name: null,
  attributes,
  is_online: null,
  is_notifiable: null,
  date_created: '2024-01-01T00:00:00Z',
  date_updated: '2024-01-02T00:00:00Z',
  url: null,
  links: null,
});

describe('userChangeJson', () => {
  it('is the change as JSON, without the attribute texts, when none are known', () => {
    const c: UserChange = { op: 'updated', before: user({ a: 1 }), after: user({ a: 2 }), changed: ['attributes'], version: 2 };
    expect(JSON.parse(userChangeJson(c))).toEqual(JSON.parse(JSON.stringify(c)));
  });

  it('writes the known attribute texts as they are, so numbers no double holds stay exact', () => {
    const c: UserChange = {
      op: 'updated',
      before: user({ id: 12345678901234567000 }),
      after: user({ id: 12345678901234567000 }),
      changed: ['attributes'],
      version: 2,
      attributesText: { before: '{"id": 12345678901234567890}', after: '{"id":12345678901234567891}' },
    };
    const json = userChangeJson(c);
    expect(json).toContain('"attributes":{"id": 12345678901234567890}');
    expect(json).toContain('"attributes":{"id":12345678901234567891}');
    const parsed = JSON.parse(json);
    expect(Object.keys(parsed)).toEqual(['op', 'before', 'after', 'changed', 'version']);
    expect(parsed.before.identity).toBe('alice "quoted"');
  });

  it('writes null sides and null attributes as null', () => {
    const c: UserChange = { op: 'created', before: null, after: user(null), changed: ['identity'], version: 1, attributesText: { before: null, after: null } };
    expect(JSON.parse(userChangeJson(c))).toEqual({ op: 'created', before: null, after: user(null), changed: ['identity'], version: 1 });
  });
});
