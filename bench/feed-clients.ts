/**
 * The subscribers of bench/feed, in a process of their own (forked by it, driven over IPC), so their work is
 * neither the service's nor the measuring process's. SSE streams are read as an EventSource would (reconnecting
 * with Last-Event-ID when a stream ends, waiting Retry-After on a 429), but parsed only for their ids: each
 * stream checks that every id is its previous one plus one.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export type ClientCommand =
  | { cmd: 'idle'; url: string; tokens: string[]; streams: number; longPolls: number; after: string; spreadMs: number }
  | { cmd: 'close' }
  | { cmd: 'replay'; url: string; tokens: string[]; streams: number; expect: number }
  | { cmd: 'watch'; ids: number[] };

export type ClientReport =
  | { kind: 'idle-open'; streams: number; longPolls: number; refused: number }
  | { kind: 'progress'; received: number; done: number; streams: number; reconnects: number; refused: number; outOfOrder: number }
  | { kind: 'replay-done'; complete: number; streams: number; outOfOrder: number; reconnects: number; refused: number; seconds: number }
  | { kind: 'watched'; arrivals: Record<string, number[]>; missing: number };

const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const PATTERN = Buffer.from('\nid: ');
const now = () => performance.timeOrigin + performance.now();

/** Finds `\nid: <n>\n` in a stream of chunks without copying them (only a few bytes cross a boundary). */
class IdScanner {
  private carry: Buffer = Buffer.alloc(0);

  constructor(private readonly onId: (id: number) => void) {}

  push(chunk: Buffer): void {
    if (this.carry.length) {
      const region = Buffer.concat([this.carry, chunk.subarray(0, 48)]);
      for (let i = region.indexOf(PATTERN); i >= 0 && i < this.carry.length; i = region.indexOf(PATTERN, i + 1)) {
        const nl = region.indexOf(10, i + PATTERN.length);
        if (nl > 0) this.onId(Number(region.toString('latin1', i + PATTERN.length, nl)));
      }
    }
    let i = chunk.indexOf(PATTERN);
    let end = 0;
    while (i >= 0) {
      const nl = chunk.indexOf(10, i + PATTERN.length);
      if (nl < 0) break;
      this.onId(Number(chunk.toString('latin1', i + PATTERN.length, nl)));
      end = nl;
      i = chunk.indexOf(PATTERN, nl);
    }
    this.carry = Buffer.from(i >= 0 ? chunk.subarray(i) : chunk.subarray(Math.max(end, chunk.length - PATTERN.length + 1)));
  }
}

interface Stream {
  last: number;
  received: number;
  done: boolean;
  req: http.ClientRequest | null;
}

const streams: Stream[] = [];
const longPolls = new Set<http.ClientRequest>();
let closing = false;
let watched: Map<number, number[]> | null = null;
const counters = { reconnects: 0, refused: 0, outOfOrder: 0 };

function send(report: ClientReport): void {
  process.send!(report);
}

function openStream(url: string, token: string, s: Stream, after: string | null, expect: number, onHeaders?: () => void): void {
  const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${token}` };
  if (s.last > 0) headers['last-event-id'] = String(s.last);
  const path = `/v1/events/stream${after !== null && s.last === 0 ? `?after=${after}` : ''}`;
  const req = http.get(`${url}${path}`, { agent, headers }, (res) => {
    if (res.statusCode === 429) {
      counters.refused++;
      const wait = Number(res.headers['retry-after'] ?? 5) * 1000;
      res.resume();
      setTimeout(() => openStream(url, token, s, after, expect, onHeaders), wait * (0.5 + Math.random()));
      return;
    }
    if (res.statusCode !== 200) {
      console.error(`feed-clients: stream answered ${res.statusCode}`);
      res.resume();
      return;
    }
    onHeaders?.();
    const scanner = new IdScanner((id) => {
      if (s.last && id !== s.last + 1) counters.outOfOrder++;
      s.last = id;
      s.received++;
      const at = watched?.get(id);
      if (at) at.push(now());
      if (expect && s.received >= expect) s.done = true;
    });
    res.on('data', (chunk: Buffer) => scanner.push(chunk));
    res.on('close', () => {
      if (closing || s.req !== req) return;
      counters.reconnects++; // cut (e.g. read too slowly): resume after the last id, as EventSource does
      setTimeout(() => openStream(url, token, s, after, expect), 100);
    });
  });
  req.on('error', () => undefined);
  s.req = req;
}

function longPoll(url: string, token: string, after: string): void {
  if (closing) return;
  const req = http.get(`${url}/v1/events?after=${after}&wait=30`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
    const parts: Buffer[] = [];
    res.on('data', (c: Buffer) => parts.push(c));
    res.on('end', () => {
      longPolls.delete(req);
      if (res.statusCode === 429) {
        counters.refused++;
        setTimeout(() => longPoll(url, token, after), 5000);
        return;
      }
      const next = res.statusCode === 200 ? (JSON.parse(Buffer.concat(parts).toString('utf8')).next_after as string) : after;
      longPoll(url, token, next);
    });
  });
  req.on('error', () => longPolls.delete(req));
  longPolls.add(req);
}

function closeAll(): void {
  closing = true;
  for (const s of streams) s.req?.destroy();
  for (const r of longPolls) r.destroy();
  streams.length = 0;
  longPolls.clear();
}

process.on('message', (m: ClientCommand) => {
  if (m.cmd === 'idle') {
    closing = false;
    let open = 0;
    for (let i = 0; i < m.streams; i++) {
      const s: Stream = { last: 0, received: 0, done: false, req: null };
      streams.push(s);
      openStream(m.url, m.tokens[i % m.tokens.length], s, m.after, 0, () => {
        if (++open === m.streams) send({ kind: 'idle-open', streams: open, longPolls: longPolls.size, refused: counters.refused });
      });
    }
    // Independent consumers do not poll in step: each starts at its own moment within one wait period.
    for (let i = 0; i < m.longPolls; i++) setTimeout(() => longPoll(m.url, m.tokens[i % m.tokens.length], m.after), Math.random() * m.spreadMs);
  } else if (m.cmd === 'close') {
    closeAll();
  } else if (m.cmd === 'replay') {
    closing = false;
    const started = now();
    for (let i = 0; i < m.streams; i++) {
      const s: Stream = { last: 0, received: 0, done: false, req: null };
      streams.push(s);
      openStream(m.url, m.tokens[i % m.tokens.length], s, null, m.expect);
    }
    const timer = setInterval(() => {
      const done = streams.filter((s) => s.done).length;
      const received = streams.reduce((n, s) => n + s.received, 0);
      send({ kind: 'progress', received, done, streams: streams.length, ...counters });
      if (done === streams.length) {
        clearInterval(timer);
        const complete = streams.filter((s) => s.received === m.expect && s.last === m.expect).length;
        send({ kind: 'replay-done', complete, streams: streams.length, ...counters, seconds: (now() - started) / 1000 });
      }
    }, 1000);
  } else if (m.cmd === 'watch') {
    watched = new Map(m.ids.map((id) => [id, []]));
    const last = m.ids[m.ids.length - 1];
    const deadline = Date.now() + 60_000;
    const timer = setInterval(() => {
      const seenLast = watched!.get(last)!.length;
      if (seenLast < streams.length && Date.now() < deadline) return;
      clearInterval(timer);
      const arrivals: Record<string, number[]> = {};
      let missing = 0;
      for (const [id, at] of watched!) {
        arrivals[id] = at;
        missing += streams.length - at.length;
      }
      send({ kind: 'watched', arrivals, missing });
    }, 200);
  }
});

process.on('disconnect', () => {
  closeAll();
  process.exit(0);
});
