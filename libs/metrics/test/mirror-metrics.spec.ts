import { EventEmitter } from 'node:events';
import { parsePrometheusText, valueOf } from '../../../test/support/prometheus-text';
import { MirrorMetrics } from '../src/mirror-metrics';

const AC = 'AC' + 'a'.repeat(32);
const scrape = async (m: MirrorMetrics) => parsePrometheusText(await m.registry.metrics());

describe('MirrorMetrics', () => {
  it('labels an upstream request by its status, or by why it has none', async () => {
    const m = new MirrorMetrics();
    m.upstreamRequest({ accountSid: AC, status: 200, durationMs: 120 });
    m.upstreamRequest({ accountSid: AC, status: 429, durationMs: 30 });
    m.upstreamRequest({ accountSid: AC, status: null, durationMs: 30_000, error: new Error('timed out') });
    m.upstreamRequest({ accountSid: AC, status: null, durationMs: 5 });
    const s = await scrape(m);
    expect(['200', '429', 'network_error', 'aborted'].map((status) => valueOf(s, 'twilio_mirror_upstream_requests_total', { account_sid: AC, status }))).toEqual([1, 1, 1, 1]);
    expect(valueOf(s, 'twilio_mirror_upstream_request_duration_seconds_count', { account_sid: AC })).toBe(4);
    expect(valueOf(s, 'twilio_mirror_upstream_request_duration_seconds_bucket', { account_sid: AC, le: '0.25' })).toBe(3); // 5, 30 and 120 ms
  });

  it('counts feed clients until their response closes, and not one that closed already', async () => {
    const m = new MirrorMetrics();
    expect(valueOf(await scrape(m), 'twilio_mirror_feed_clients', { kind: 'sse' })).toBe(0); // there from the start
    const open = Object.assign(new EventEmitter(), { closed: false });
    m.feedClientOpened('sse', open);
    m.feedClientOpened('long_poll', Object.assign(new EventEmitter(), { closed: true }));
    let s = await scrape(m);
    expect([valueOf(s, 'twilio_mirror_feed_clients', { kind: 'sse' }), valueOf(s, 'twilio_mirror_feed_clients', { kind: 'long_poll' })]).toEqual([1, 0]);
    open.emit('close');
    open.emit('close');
    s = await scrape(m);
    expect(valueOf(s, 'twilio_mirror_feed_clients', { kind: 'sse' })).toBe(0);
  });

  it('keeps a registry of its own per instance, with Node’s default metrics', async () => {
    const a = new MirrorMetrics();
    const b = new MirrorMetrics();
    a.crawlEnded('succeeded', 12);
    expect(valueOf(await scrape(a), 'twilio_mirror_crawl_duration_seconds_count', { outcome: 'succeeded' })).toBe(1);
    expect(valueOf(await scrape(b), 'twilio_mirror_crawl_duration_seconds_count', { outcome: 'succeeded' })).toBe(0);
    expect((await scrape(a)).types.get('process_cpu_seconds_total')).toBe('counter');
  });
});
