import type { CloudEventJson } from '@app/events-consumer';
import { eventSummary } from './event-summary';

const user = { sid: 'US1', identity: 'alice@example.com', attributes: { ssn: '123-45-6789' } };
const event = {
  specversion: '1.0',
  id: 'e1',
  source: '/twilio/accounts/AC1/services/IS1',
  type: 'io.github.twilio-mirror.conversations.user.updated',
  subject: 'US1',
  time: '2024-01-01T00:00:00Z',
  sequence: '7',
  datacontenttype: 'application/json',
  data: { op: 'updated', before: { ...user, identity: 'old@example.com' }, after: user, changed: ['identity', 'attributes'] },
} as unknown as CloudEventJson;

describe('eventSummary', () => {
  it('names the change without any user value', () => {
    const summary = eventSummary(event, { id: '7-0', deliveries: 1 });
    expect(summary).toEqual({ op: 'updated', user: 'US1', changed: ['identity', 'attributes'], sequence: '7', id: 'e1', deliveries: 1 });
    expect(JSON.stringify(summary)).not.toMatch(/example\.com|123-45/);
  });
});
