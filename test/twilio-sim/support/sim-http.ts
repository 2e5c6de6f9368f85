import type { RunningSimulator } from '@app/twilio-sim';

export interface SimResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  json: any;
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export function defaultAuth(sim: RunningSimulator): string {
  return basicAuth(sim.accountSid, sim.authToken);
}

/** GET a Twilio path (or absolute URL) with the default account's credentials unless told otherwise. */
export async function twilioGet(sim: RunningSimulator, pathOrUrl: string, authorization: string | null = defaultAuth(sim)): Promise<SimResponse> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${sim.url}${pathOrUrl}`;
  const response = await fetch(url, { headers: authorization === null ? {} : { authorization } });
  return read(response);
}

export async function adminCall(sim: RunningSimulator, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<SimResponse> {
  const response = await fetch(`${sim.url}/admin${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return read(response);
}

async function read(response: Response): Promise<SimResponse> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Follows next_page_url from the first page to the last, as a well-behaved client does. */
export async function crawlUsers(
  sim: RunningSimulator,
  serviceSid: string,
  pageSize = 50,
  authorization: string = defaultAuth(sim),
): Promise<SimResponse[]> {
  const pages: SimResponse[] = [];
  let url: string | null = `/v1/Services/${serviceSid}/Users?PageSize=${pageSize}`;
  while (url) {
    const page = await twilioGet(sim, url, authorization);
    if (page.status !== 200) throw new Error(`page ${pages.length} answered ${page.status}: ${page.text}`);
    pages.push(page);
    url = page.json.meta.next_page_url;
  }
  return pages;
}
