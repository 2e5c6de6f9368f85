import type { ServerResponse } from 'node:http';
import type { DrawnFault } from '../upstream/fault.types';
import type { SimRequest } from './sim-request';

const NOT_A_USER_SID = 'XX123';

/** Writes a 200 JSON body, applying the body fault the upstream gate chose for this request, if any. */
export function sendTwilioJson(req: SimRequest, res: ServerResponse, body: string): void {
  const fault = req.sim?.bodyFault;
  if (fault === undefined) {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  let bytes = Buffer.from(shaped(body, fault));
  // A complete HTTP message whose JSON stops mid-way: the client must notice it cannot parse the page.
  if (fault.kind === 'truncate') bytes = bytes.subarray(0, Math.max(1, bytes.length >> 1));
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': bytes.length });
  res.end(bytes);
}

function shaped(body: string, fault: DrawnFault): string {
  switch (fault.kind) {
    case 'bad-sid':
      return withBadSid(body);
    case 'page-loop':
      return withLoop(body);
    case 'control-char-next-url':
      return withControlChar(body, fault.char ?? '\u0000');
    default:
      return body;
  }
}

/**
 * A list page whose next_page_url has a control character in the middle of its PageToken (JSON-escaped, so the
 * page itself parses). A page without a next page gets one built from its own URL, so the poison is always there.
 */
function withControlChar(body: string, char: string): string {
  const parsed = JSON.parse(body) as { meta?: { next_page_url?: string | null; url?: string } };
  const meta = parsed.meta;
  if (!meta) return body;
  const base = meta.next_page_url ?? meta.url ?? '';
  const token = base.indexOf('PageToken=');
  const at = token >= 0 ? token + 'PageToken='.length + 4 : base.length;
  meta.next_page_url = `${base.slice(0, at)}${char}${base.slice(at)}`;
  return JSON.stringify(parsed);
}

/** A list page whose next_page_url leads back to its first page: paging that would go round forever. */
function withLoop(body: string): string {
  const parsed = JSON.parse(body) as { meta?: { next_page_url?: string | null; first_page_url?: string } };
  if (parsed.meta?.first_page_url) parsed.meta.next_page_url = parsed.meta.first_page_url;
  return JSON.stringify(parsed);
}

/** Replaces the sid of the middle item of a list (or of a single resource) with a sid that is not a user's. */
function withBadSid(body: string): string {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  const list = (Array.isArray(parsed.users) ? parsed.users : Array.isArray(parsed.services) ? parsed.services : null) as
    | Array<Record<string, unknown>>
    | null;
  if (list) {
    const victim = list[list.length >> 1];
    if (victim) victim.sid = NOT_A_USER_SID;
  } else {
    parsed.sid = NOT_A_USER_SID;
  }
  return JSON.stringify(parsed);
}

export function sendHtmlPage(res: ServerResponse): void {
  const html =
    '<!DOCTYPE html>\n<html><head><title>Service Temporarily Unavailable</title></head>' +
    '<body><h1>Service Temporarily Unavailable</h1><p>The upstream gateway returned an unexpected page.</p></body></html>\n';
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) });
  res.end(html);
}

/** A 404 from something in front of Twilio (a proxy, a wrong path): HTML, no Twilio error code. */
export function sendProxyNotFound(res: ServerResponse): void {
  const html = '<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>\n';
  res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) });
  res.end(html);
}
