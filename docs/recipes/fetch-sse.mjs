/**
 * Follows the mirror's change feed (GET /v1/events/stream) with fetch: for a browser, where EventSource cannot send
 * the Authorization header the feed requires, and for any runtime with fetch and web streams (Node 18+, Deno).
 * Resumes with Last-Event-ID whenever the stream ends, as EventSource does.
 *
 *   const controller = new AbortController();
 *   await followEvents({ url: 'https://mirror.internal', token, onEvent: async (e) => …, signal: controller.signal });
 *
 * onEvent gets each CloudEvent, parsed, in sequence order; the next frame waits until it resolved. Delivery is at
 * least once across reconnections: dedupe by event id, or keep the last sequence applied per user. Resolves with
 * the last id handled once `signal` aborts; rejects when retrying cannot help (401, 403, 400, 410).
 */
export async function followEvents({ url, token, onEvent, lastEventId, signal, retryMs = 2000 }) {
  let last = lastEventId;
  while (!signal?.aborted) {
    let wait = retryMs;
    try {
      const res = await fetch(`${url}/v1/events/stream`, {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(last ? { 'last-event-id': last } : {}) },
        signal,
      });
      if (res.status === 429 || res.status === 503) {
        wait = Number(res.headers.get('retry-after') ?? 5) * 1000 + Math.random() * 1000;
        await res.body?.cancel();
      } else if (!res.ok) {
        throw new FeedRefused(res.status, await res.text());
      } else {
        await readFrames(res.body, async (id, event) => {
          await onEvent(event);
          last = id;
        });
      }
    } catch (e) {
      if (e instanceof FeedRefused) throw e;
      if (signal?.aborted) break;
      // A network error or a stream cut mid-frame: reconnect from the last whole frame.
    }
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, wait);
      signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
  return last;
}

export class FeedRefused extends Error {
  constructor(status, body) {
    super(`the feed answered ${status}: ${body}`);
    this.status = status;
  }
}

/** Hands each whole frame's id and event to `onFrame`, one after another, until the stream ends. */
async function readFrames(body, onFrame) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      // Only a whole frame counts: one cut short arrives again after the reconnection.
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = {};
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) continue; // ": keep-alive", ": closing: …"
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
      }
      if (fields.event === 'gone') throw new FeedRefused(410, fields.data ?? 'events after this position were pruned');
      if (fields.id !== undefined && fields.data !== undefined) await onFrame(fields.id, JSON.parse(fields.data));
    }
  }
}
