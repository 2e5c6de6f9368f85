import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { CloudEvent } from 'cloudevents';
import { toCloudEvent, toStructuredJson } from './cloud-event';
import { eventType } from './user-change';
import type { RelayRow, UserEventRow } from './user-event-row';
import schema from './user-changed.schema.json';

const AC = 'AC' + '1'.repeat(32);
const IS = 'IS' + '2'.repeat(32);
const US = 'US' + '3'.repeat(32);
const user = {
  sid: US,
  account_sid: AC,
  chat_service_sid: IS,
  role_sid: 'RL' + '4'.repeat(32),
  identity: 'alice',
  friendly_name: 'Alice',
  attributes: { b: 1, a: [true, null] },
  is_online: null,
  is_notifiable: null,
  date_created: '2024-05-01T10:00:00Z',
  date_updated: '2024-05-02T10:00:00Z',
  url: `https://conversations.twilio.com/v1/Services/${IS}/Users/${US}`,
  links: { user_conversations: `https://conversations.twilio.com/v1/Services/${IS}/Users/${US}/Conversations` },
};

function row(op: 'created' | 'updated' | 'deleted', sequence = '42'): UserEventRow {
  const before = op === 'created' ? null : { ...user, friendly_name: 'Alice B.' };
  const after = op === 'deleted' ? null : user;
  return {
    sequence,
    id: '0b7c5e0e-8d53-4d5e-9d5e-3f1c2a9e4b71',
    type: eventType(op),
    account_sid: AC,
    service_sid: IS,
    user_sid: US,
    time: new Date('2024-05-02T10:00:01.250Z'),
    data: { op, before, after, changed: op === 'updated' ? ['friendly_name'] : ['identity', 'friendly_name'], version: op === 'created' ? 1 : 2 },
  };
}

/** As the relay reads it: data is Postgres's jsonb text (which puts a space after ':' and ','). */
function relayRow(r: UserEventRow): RelayRow {
  return { ...r, data: JSON.stringify(r.data, null, 1).replace(/\n\s*/g, ' ') };
}

describe('toCloudEvent', () => {
  const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
  const validate = ajv.compile(schema);

  it('maps a row to the CloudEvent attributes, with the sequence extension as a string', () => {
    expect(JSON.parse(toStructuredJson(relayRow(row('updated'))))).toEqual({
      specversion: '1.0',
      id: '0b7c5e0e-8d53-4d5e-9d5e-3f1c2a9e4b71',
      source: `/twilio/accounts/${AC}/services/${IS}`,
      type: 'io.github.twilio-mirror.conversations.user.updated',
      subject: US,
      time: '2024-05-02T10:00:01.250Z',
      sequence: '42',
      datacontenttype: 'application/json',
      data: { op: 'updated', before: { ...user, friendly_name: 'Alice B.' }, after: user, changed: ['friendly_name'], version: 2 },
    });
  });

  it.each(['created', 'updated', 'deleted'] as const)('builds a %s event that the cloudevents package and the JSON Schema accept', (op) => {
    const json = JSON.parse(toStructuredJson(relayRow(row(op))));
    expect(json).toEqual(JSON.parse(JSON.stringify(toCloudEvent(row(op))))); // the feed's path, same value
    // strict construction runs the package's own CloudEvents 1.0 validation
    expect(() => new CloudEvent(json, true)).not.toThrow();
    expect(new CloudEvent(json).validate()).toBe(true);
    expect(validate(json)).toBe(true);
  });

  it('the schema rejects what is not a user-changed event', () => {
    const good = JSON.parse(toStructuredJson(relayRow(row('created'))));
    expect(validate({ ...good, sequence: 42 })).toBe(false);
    expect(validate({ ...good, subject: 'alice' })).toBe(false);
    expect(validate({ ...good, data: { ...good.data, op: 'updated' } })).toBe(false);
    expect(validate({ ...good, type: 'io.github.twilio-mirror.conversations.user.deleted' })).toBe(false);
    const { time: _time, ...noTime } = good;
    expect(validate(noTime)).toBe(false);
  });

  it('is cheap enough for the relay: 20,000 events well under a second', () => {
    const r = relayRow(row('updated'));
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) toStructuredJson(r);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
