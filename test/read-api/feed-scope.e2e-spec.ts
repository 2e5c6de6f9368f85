/**
 * The change feed applies the token's scope: a token limited to some accounts or services gets only their events,
 * over long-poll and SSE; a filtered page's next_after is the last sequence it looked at, so a token whose services
 * are quiet still moves on. The Redis Stream stays global: scopes apply to HTTP only.
 */
import { appendEvents } from '@app/mirror-writer';
import type { UserChange } from '@app/domain';
import { openSse } from '../events/support/sse-client';
import { ApiHarness, startApi } from './support/api-harness';

const A = 'AC' + 'a'.repeat(32);
const B = 'AC' + 'b'.repeat(32);
const A1 = 'IS' + 'a1'.repeat(16);
const A2 = 'IS' + 'a2'.repeat(16);
const B1 = 'IS' + 'b1'.repeat(16);
const ACCOUNT_OF: Record<string, string> = { [A1]: A, [A2]: A, [B1]: B };

const SHAPES = [
  { name: 'full', token: 'feed-full-token-1', entry: 'feed-full-token-1', services: [A1, A2, B1] },
  { name: 'account A', token: 'feed-acct-a-token', entry: `acct-a:feed-acct-a-token:read@${A}`, services: [A1, A2] },
  { name: 'service B1', token: 'feed-svc-b1-token', entry: `svc-b1:feed-svc-b1-token:read@${B1}`, services: [B1] },
  { name: 'service A2 and account B', token: 'feed-mix-token-1', entry: `mix:feed-mix-token-1:read@${A2}+${B}`, services: [A2, B1] },
];

function created(n: number, serviceSid: string): UserChange {
  const sid = 'US' + n.toString(16).padStart(32, '0');
  const after = {
    sid,
    account_sid: ACCOUNT_OF[serviceSid],
    chat_service_sid: serviceSid,
    role_sid: null,
    identity: `user-${n}`,
    friendly_name: null,
    attributes: {},
    is_online: null,
    is_notifiable: null,
    date_created: null,
    date_updated: null,
    url: null,
    links: null,
  };
  return { op: 'created', before: null, after, changed: ['identity'], version: 1 };
}

describe('change feed: only the events of the services a token may read', () => {
  let api: ApiHarness;
  /** sequence → service, as written. */
  const written: { sequence: string; service: string }[] = [];

  beforeAll(async () => {
    api = await startApi('feedscope', { API_TOKENS: SHAPES.map((s) => s.entry).join(',') });
    const ds = api.db.dataSource;
    // Interleaved services, several pages each, so a filtered page must skip others' events.
    let n = 0;
    for (let round = 0; round < 6; round++) {
      for (const service of [A1, B1, A2]) {
        const changes = Array.from({ length: 5 }, () => created(++n, service));
        await ds.transaction((m) => appendEvents(m, { accountSid: ACCOUNT_OF[service], serviceSid: service, runId: null }, changes));
      }
    }
    for (const row of await ds.query('SELECT sequence::text AS seq, service_sid FROM user_events ORDER BY user_events.sequence')) written.push({ sequence: row.seq, service: row.service_sid });
    // As the relay would after publishing them (the feed serves published events only).
    await ds.query('UPDATE relay_state SET published_through = (SELECT last FROM event_sequence)');
  });
  afterAll(() => api?.close());

  it('long-poll pages carry only in-scope events, all of them, in sequence order', async () => {
    for (const shape of SHAPES) {
      const seen: { sequence: string; service: string }[] = [];
      let after = '0';
      for (let page = 0; page < 50; page++) {
        const r = await api.get(`/v1/events?after=${after}&limit=7`, { authorization: `Bearer ${shape.token}` });
        expect(r.status).toBe(200);
        for (const e of r.body.events) seen.push({ sequence: e.sequence, service: e.source.split('/').pop() });
        if (r.body.next_after === after) break; // a page may carry none of this token's events and still move on
        after = r.body.next_after;
      }
      const outOfScope = seen.filter((e) => !shape.services.includes(e.service)).map((e) => e.sequence);
      expect({ shape: shape.name, outOfScope }).toEqual({ shape: shape.name, outOfScope: [] });
      expect({ shape: shape.name, events: seen }).toEqual({ shape: shape.name, events: written.filter((w) => shape.services.includes(w.service)) });
    }
  });

  it('an SSE stream carries only in-scope events', async () => {
    for (const shape of SHAPES.slice(1)) {
      const wanted = written.filter((w) => shape.services.includes(w.service));
      const sse = await openSse(`${api.url}/v1/events/stream?after=0`, { authorization: `Bearer ${shape.token}` });
      try {
        expect({ shape: shape.name, status: sse.status }).toEqual({ shape: shape.name, status: 200 });
        const messages = await sse.next(wanted.length, 10_000);
        expect({ shape: shape.name, ids: messages.map((m) => m.id) }).toEqual({ shape: shape.name, ids: wanted.map((w) => w.sequence) });
      } finally {
        sse.close();
      }
    }
  });
});
