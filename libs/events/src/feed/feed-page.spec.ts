import { toStructuredJson } from '../cloud-event';
import type { RelayRow } from '../user-event-row';
import { FeedPage } from './feed-page';

function row(sequence: number, name: string): RelayRow {
  return {
    sequence: String(sequence),
    id: '00000000-0000-4000-8000-' + String(sequence).padStart(12, '0'),
    type: 'io.github.twilio-mirror.conversations.user.updated',
    account_sid: 'AC' + 'a'.repeat(32),
    service_sid: 'IS' + 'b'.repeat(32),
    user_sid: 'US' + 'c'.repeat(32),
    time: new Date('2026-01-01T00:00:00Z'),
    data: `{"op": "updated", "after": {"friendly_name": ${JSON.stringify(name)}, "n": 12345678901234567891}}`,
  };
}

describe('FeedPage', () => {
  // Non-ASCII names make bytes and characters differ; 2,000 events of ~2 KB span several 128 KB chunks.
  const rows = Array.from({ length: 2000 }, (_, i) => row(101 + i, `Zoë ${'ü'.repeat(i % 700)} 東京 ${i}`));
  let page: FeedPage;
  beforeAll(async () => {
    page = await FeedPage.render('100', rows);
  });

  it('renders every event once as SSE frames, in chunks that end on frame boundaries', () => {
    const chunks = page.sseChunks();
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.reduce((n, c) => n + c.events, 0)).toBe(rows.length);
    const text = chunks.map((c) => c.bytes.toString('utf8')).join('');
    expect(text).toBe(rows.map((r) => `id: ${r.sequence}\nevent: ${r.type}\ndata: ${toStructuredJson(r)}\n\n`).join(''));
    for (const c of chunks) expect(c.bytes.toString('utf8').endsWith(`id: ${c.last}\nevent: ${rows[0].type}\ndata: ${toStructuredJson(rows[Number(c.last) - 101])}\n\n`)).toBe(true);
    expect(page.nextAfter).toBe('2100');
  });

  it('cuts long-poll answers from the same bytes, whole or by limit', () => {
    expect(page.json()).toBe(`{"events":[${rows.map(toStructuredJson).join(',')}],"next_after":"2100"}`);
    const first = page.head(3);
    expect(first.json()).toBe(`{"events":[${rows.slice(0, 3).map(toStructuredJson).join(',')}],"next_after":"103"}`);
    expect(() => first.sseChunks()).toThrow();
    expect(FeedPage.empty('7').json()).toBe('{"events":[],"next_after":"7"}');
  });

  it("gives a scoped subscriber views of the same bytes with only its services' events, and still moves it past the others", async () => {
    const other = 'IS' + 'd'.repeat(32);
    const mixed = rows.map((r, i) => ({ ...r, service_sid: i % 3 === 0 ? other : r.service_sid }));
    const p = await FeedPage.render('100', mixed);
    const onlyOther = (_account: string, service: string) => service === other;
    const kept = mixed.filter((r) => r.service_sid === other);
    const chunks = p.sseChunks(onlyOther);
    expect(chunks.map((c) => c.last)).toEqual(p.sseChunks().map((c) => c.last)); // the same positions
    expect(chunks.map((c) => c.bytes.toString('utf8')).join('')).toBe(kept.map((r) => `id: ${r.sequence}\nevent: ${r.type}\ndata: ${toStructuredJson(r)}\n\n`).join(''));
    expect(p.json(onlyOther)).toBe(`{"events":[${kept.map(toStructuredJson).join(',')}],"next_after":"2100"}`);
    expect(p.json(() => false)).toBe('{"events":[],"next_after":"2100"}');
    const shared = p.sseChunks();
    expect(p.sseChunks(() => true).every((c, i) => c === shared[i])).toBe(true); // nothing filtered out: the shared chunks themselves
  });
});
