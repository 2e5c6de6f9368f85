import { toIncomingUser, UnmirrorableUserError } from './incoming-user';
import type { TwilioUser } from './twilio-user';
import { diffUsers, StoredUser } from './user-diff';

const IS = 'IS' + '1'.repeat(32);
const user = (n: number, over: Partial<TwilioUser> = {}): TwilioUser => ({
  sid: 'US' + n.toString(16).padStart(32, '0'),
  account_sid: 'AC' + '2'.repeat(32),
  chat_service_sid: IS,
  role_sid: null,
  identity: `user-${n}`,
  friendly_name: `User ${n}`,
  attributes: '{"a":1,"b":{"c":[1,2]}}',
  is_online: null,
  is_notifiable: null,
  date_created: '2020-01-01T00:00:00Z',
  date_updated: '2020-01-02T00:00:00Z',
  url: `https://x/Users/${n}`,
  links: { user_conversations: `https://x/Users/${n}/Conversations` },
  ...over,
});
const stored = (u: TwilioUser, deleted = false): [string, StoredUser] => {
  const inc = toIncomingUser(u, IS);
  return [
    u.sid,
    { sameAtSource: false, user: inc.user, attributesText: u.attributes, sourceStale: false, deleted, isOnline: inc.user.is_online, isNotifiable: inc.user.is_notifiable, version: 4, observedAt: null },
  ];
};

describe('diffUsers', () => {
  it('classifies created, updated, unchanged and re-created users', () => {
    const existing = new Map([stored(user(1)), stored(user(2)), stored(user(3), true)]);
    const page = [user(1), user(2, { friendly_name: 'Renamed' }), user(3), user(4)].map((u) => toIncomingUser(u, IS));
    const d = diffUsers(page, existing);
    expect(d.unchanged).toBe(1);
    expect(d.writes.map((w) => w.user.sid)).toEqual([user(2).sid, user(3).sid, user(4).sid]);
    expect(d.changes.map((c) => [c.op, c.after!.sid])).toEqual([
      ['updated', user(2).sid],
      ['created', user(3).sid],
      ['created', user(4).sid],
    ]);
    expect(d.changes[0].changed).toEqual(['friendly_name']);
    expect(d.changes[0].before!.friendly_name).toBe('User 2');
    expect(d.changes[1].before).toBeNull();
  });

  it('treats reordered attribute keys and whitespace as no change, and rewrites only the source when it is stale', () => {
    const [sid, s] = stored(user(1));
    const reordered = toIncomingUser(user(1, { attributes: '{ "b": {"c": [1, 2]},\n "a": 1 }' }), IS);
    const d = diffUsers([reordered], new Map([[sid, { ...s, sourceStale: true }]]));
    expect(d.changes).toEqual([]);
    expect(d.writes).toEqual([]);
    expect(d.unchanged).toBe(1);
    expect(d.recheck).toEqual([]); // no number a double could blur: the comparison above was exact
    expect(d.sourceOnly).toEqual([reordered]);
    // Loaded for another reason (a point fetch's presence) with its source current: nothing to rewrite.
    expect(diffUsers([reordered], new Map([[sid, s]])).sourceOnly).toEqual([]);
  });

  it('leaves attributes equal only as doubles to Postgres, and takes its verdict', () => {
    // Stored as Postgres prints jsonb; the new value differs in the 20th digit, which a double cannot hold.
    const [sid, s] = stored(user(1, { attributes: '{"id": 12345678901234567890}' }));
    const existing = new Map([[sid, s]]);
    const page = [toIncomingUser(user(1, { attributes: '{"id":12345678901234567891}' }), IS)];
    const first = diffUsers(page, existing);
    expect({ recheck: first.recheck.map((u) => u.user.sid), unchanged: first.unchanged }).toEqual({ recheck: [sid], unchanged: 1 });

    const differs = diffUsers(page, existing, new Set([sid]));
    expect({ ops: differs.changes.map((c) => c.op), changed: differs.changes[0].changed, recheck: differs.recheck }).toEqual({
      ops: ['updated'],
      changed: ['attributes'],
      recheck: [],
    });
    expect(differs.changes[0].attributesText).toEqual({ before: '{"id": 12345678901234567890}', after: '{"id":12345678901234567891}' });
    expect(differs.writes.map((w) => w.attributesText)).toEqual(['{"id":12345678901234567891}']);

    const same = diffUsers(page, existing, new Set());
    expect({ changes: same.changes, unchanged: same.unchanged, recheck: same.recheck }).toEqual({ changes: [], unchanged: 1, recheck: [] });
  });

  it('asks Postgres when only the stored side holds a number a double blurs', () => {
    const [sid, s] = stored(user(1, { attributes: '{"x": 0.30000000000000001}' }));
    const d = diffUsers([toIncomingUser(user(1, { attributes: '{"x":0.3}' }), IS)], new Map([[sid, s]]));
    expect(d.recheck.map((u) => u.user.sid)).toEqual([sid]);
  });

  it('does not let a list page null out a known presence, but reports a real presence change', () => {
    const known = toIncomingUser(user(1, { is_online: true, is_notifiable: false }), IS);
    const existing = new Map([
      [known.user.sid, { sameAtSource: false, user: known.user, attributesText: known.attributesText, sourceStale: false, deleted: false, isOnline: true, isNotifiable: false, version: 4, observedAt: null }],
    ]);
    expect(diffUsers([toIncomingUser(user(1), IS)], existing).unchanged).toBe(1);
    const d = diffUsers([toIncomingUser(user(1, { is_online: false }), IS)], existing);
    expect(d.changes[0].changed).toEqual(['is_online']);
    expect(d.writes[0].user.is_notifiable).toBe(false);
  });

  it('refuses to diff a user whose stored row was not loaded, rather than guess', () => {
    const [sid, s] = stored(user(1));
    expect(() => diffUsers([toIncomingUser(user(1), IS)], new Map([[sid, { ...s, user: null }]]))).toThrow(/not loaded/);
  });

  it('rejects values Postgres cannot hold rather than failing the page', () => {
    expect(() => toIncomingUser(user(1, { identity: 'a\u0000b' }), IS)).toThrow(UnmirrorableUserError);
    expect(() => toIncomingUser(user(1, { attributes: '{"x":"\\u0000"}' }), IS)).toThrow(UnmirrorableUserError);
  });
});

describe('attributes the mirror refuses', () => {
  const IS2 = 'IS' + '1'.repeat(32);
  const withAttributes = (attributes: string): TwilioUser => ({
    sid: 'US' + '9'.repeat(32),
    account_sid: null,
    chat_service_sid: IS2,
    role_sid: null,
    identity: 'x',
    friendly_name: null,
    attributes,
    is_online: null,
    is_notifiable: null,
    date_created: null,
    date_updated: null,
    url: null,
    links: null,
  });

  it("refuses attributes over Twilio's 16 KiB, counted in UTF-8 bytes", () => {
    const at = (chars: string) => () => toIncomingUser(withAttributes(JSON.stringify({ s: chars })), IS2);
    expect(at('a'.repeat(16 * 1024 - 8))).not.toThrow(); // {"s":"…"} is 8 characters more: exactly 16 KiB
    expect(at('a'.repeat(16 * 1024 - 7))).toThrow(/attributes are 16385 bytes, over Twilio's limit of 16384/);
    expect(at('é'.repeat(8190))).toThrow(/over Twilio's limit/); // 8,190 characters, 16,380 bytes + 8
  });

  it('refuses attributes nested deeper than 512 levels, whatever brackets their strings hold', () => {
    const nested = (levels: number) => withAttributes('['.repeat(levels) + ']'.repeat(levels));
    expect(() => toIncomingUser(nested(512), IS2)).not.toThrow();
    expect(() => toIncomingUser(nested(513), IS2)).toThrow(new UnmirrorableUserError('attributes are nested deeper than 512 levels'));
    expect(() => toIncomingUser(withAttributes(JSON.stringify({ s: '['.repeat(2000), t: '\\"[[' })), IS2)).not.toThrow();
  });
});
