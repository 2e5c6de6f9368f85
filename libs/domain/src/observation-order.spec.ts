import { toIncomingUser } from './incoming-user';
import { isStaleObservation } from './observation-order';
import type { TwilioUser } from './twilio-user';
import type { StoredUser } from './user-diff';

const IS = 'IS' + '1'.repeat(32);
const record = (over: Partial<TwilioUser> = {}): TwilioUser => ({
  sid: 'US' + '5'.repeat(32),
  account_sid: 'AC' + '2'.repeat(32),
  chat_service_sid: IS,
  role_sid: null,
  identity: 'ana',
  friendly_name: 'Ana',
  attributes: '{}',
  is_online: null,
  is_notifiable: null,
  date_created: '2026-01-01T00:00:00Z',
  date_updated: '2026-01-01T10:00:05Z',
  url: null,
  links: null,
  ...over,
});
const stored = (over: Partial<TwilioUser>, observedAt: number | null, deleted = false): StoredUser => ({
  sameAtSource: false,
  user: toIncomingUser(record(over), IS).user,
  attributesText: '{}',
  sourceStale: false,
  version: 1,
  deleted,
  isOnline: null,
  isNotifiable: null,
  observedAt,
});
const incoming = (over: Partial<TwilioUser>) => toIncomingUser(record(over), IS);
const T = Date.parse('2026-01-01T10:00:05.500Z');

describe('isStaleObservation', () => {
  it("orders two states of a live user by Twilio's date_updated when they differ, whatever the request times", () => {
    const held = stored({ date_updated: '2026-01-01T10:00:05Z', friendly_name: 'Newer' }, T);
    expect(isStaleObservation(incoming({ date_updated: '2026-01-01T10:00:04Z' }), T + 1000, held)).toBe(true);
    expect(isStaleObservation(incoming({ date_updated: '2026-01-01T10:00:06Z' }), T - 1000, held)).toBe(false);
  });

  it('within the same second (one-second dates), the observation whose request was sent later wins', () => {
    const held = stored({ friendly_name: 'B' }, T);
    expect(isStaleObservation(incoming({ friendly_name: 'A' }), T - 80, held)).toBe(true);
    expect(isStaleObservation(incoming({ friendly_name: 'C' }), T + 80, held)).toBe(false);
    expect(isStaleObservation(incoming({ friendly_name: 'C' }), T, held)).toBe(false);
  });

  it('without a time on either side (rows stored before times were kept, dates missing) the observation is written', () => {
    expect(isStaleObservation(incoming({ friendly_name: 'A' }), T - 80, stored({ friendly_name: 'B' }, null))).toBe(false);
    expect(isStaleObservation(incoming({ friendly_name: 'A' }), null, stored({ friendly_name: 'B' }, T))).toBe(false);
    expect(isStaleObservation(incoming({ date_updated: null }), T - 80, stored({}, T))).toBe(true);
    expect(isStaleObservation(incoming({ date_updated: null }), T + 80, stored({}, T))).toBe(false);
  });

  it('a tombstone is outdated only by a record read after the deletion was confirmed', () => {
    // The tombstone keeps its last live state, whose date_updated says nothing about the deletion.
    const gone = stored({ date_updated: '2026-01-01T09:00:00Z' }, T, true);
    expect(isStaleObservation(incoming({ date_updated: '2026-01-01T10:00:05Z' }), T - 1, gone)).toBe(true);
    expect(isStaleObservation(incoming({ date_updated: '2026-01-01T08:00:00Z' }), T + 1, gone)).toBe(false);
  });
});
