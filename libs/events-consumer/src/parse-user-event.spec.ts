import { MalformedEntryError, parseUserEvent } from './parse-user-event';

const event = {
  specversion: '1.0',
  id: 'e1',
  source: '/twilio/accounts/AC1/services/IS1',
  type: 'io.github.twilio-mirror.conversations.user.created',
  subject: 'US1',
  time: '2024-01-01T00:00:00Z',
  sequence: '42',
  datacontenttype: 'application/json',
  data: { op: 'created', before: null, after: { sid: 'US1' }, changed: ['identity'] },
};

const entry = (value: unknown, field = 'event') => [field, typeof value === 'string' ? value : JSON.stringify(value)];

describe('parseUserEvent', () => {
  it('returns the CloudEvent of the named field', () => {
    expect(parseUserEvent(['other', 'x', ...entry(event)], 'event')).toEqual(event);
    expect(parseUserEvent(entry(event, 'ce'), 'ce')).toEqual(event);
  });

  it('keeps attributes it does not know and normalizes an integer sequence and a missing content type', () => {
    const { datacontenttype: _, ...rest } = event;
    const parsed = parseUserEvent(entry({ ...rest, sequence: 42, traceparent: 't' }), 'event');
    expect(parsed).toEqual({ ...event, traceparent: 't' });
  });

  it.each([
    ['no field', ['x', '{}'], /no "event" field/],
    ['not JSON', entry('{oops'), /is not JSON/],
    ['not an object', entry('[1]'), /not a JSON object/],
    ['wrong specversion', entry({ ...event, specversion: '0.3' }), /specversion/],
    ['no id', entry({ ...event, id: '' }), /id is missing/],
    ['bad sequence', entry({ ...event, sequence: '-1' }), /sequence/],
    ['no data', entry({ ...event, data: null }), /data is not an object/],
    ['unknown op', entry({ ...event, data: { ...event.data, op: 'moved' } }), /data\.op/],
    ['bad before', entry({ ...event, data: { ...event.data, before: 'x' } }), /before/],
    ['bad changed', entry({ ...event, data: { ...event.data, changed: [1] } }), /changed/],
  ])('rejects %s as malformed', (_name, fields, reason) => {
    expect(() => parseUserEvent(fields, 'event')).toThrow(MalformedEntryError);
    expect(() => parseUserEvent(fields, 'event')).toThrow(reason);
  });
});
