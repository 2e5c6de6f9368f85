import { redactRegisteredSecrets } from '@app/redaction';
import {
  TwilioAuthError,
  TwilioError,
  TwilioMalformedResponseError,
  TwilioNotFoundError,
  TwilioRateLimitError,
  TwilioRequestError,
  TwilioServerError,
} from './twilio.errors';

/** Twilio's free text is shown only where its code does not say enough, and never more of it than this. */
const UPSTREAM_TEXT_CHARS = 200;

/**
 * The text kept for a failure: sync_runs.error, accounts.last_error, BullMQ's failedReason and log lines.
 * Every configured secret is redacted from it, in any form.
 */
export function describeError(e: unknown): string {
  let text: string;
  if (e instanceof TwilioError) text = describeTwilioError(e);
  else if (e instanceof Error) text = `${e.name}: ${e.message}`;
  else text = String(e);
  return redactRegisteredSecrets(text);
}

/**
 * Built from what Twilio answers in fields (status, code, a twilio.com more_info) and our own account of the
 * error class, not from the upstream's message: that is free text, and an upstream (or a proxy in front of
 * it) may echo anything into it. The message is kept, redacted and cut, only when there is no code to go by,
 * or for a refused request (400), where it names the parameter at fault.
 */
export function describeTwilioError(e: TwilioError): string {
  if (e.status === null || e instanceof TwilioMalformedResponseError) {
    // Our own words (a timeout, a reset, a body that does not parse), with any quoted upstream text redacted by the client.
    const reason = e instanceof TwilioMalformedResponseError ? `malformed response to ${e.method} ${e.url}: ${e.reason}` : e.message;
    return `${e.name}${e.status === null ? '' : ` ${e.status}`}: ${reason}`;
  }
  let text = `${e.name} ${e.status}${e.code === null ? '' : `/${e.code}`}: ${whatHappened(e)} (${e.method} ${e.url})`;
  const docs = twilioDocsUrl(e.moreInfo);
  if (docs) text += `; see ${docs}`;
  if (e.twilioMessage && (e.code === null || e instanceof TwilioRequestError)) {
    const said = e.twilioMessage.length > UPSTREAM_TEXT_CHARS ? `${e.twilioMessage.slice(0, UPSTREAM_TEXT_CHARS)}…` : e.twilioMessage;
    text += `; Twilio said: ${JSON.stringify(said)}`;
  }
  return text;
}

function whatHappened(e: TwilioError): string {
  if (e instanceof TwilioAuthError) return e.status === 403 ? 'Twilio denied access with these credentials' : 'Twilio refused the credentials';
  if (e instanceof TwilioNotFoundError) return 'Twilio has no such resource';
  if (e instanceof TwilioRateLimitError) return 'Twilio throttled the request';
  if (e instanceof TwilioServerError) return 'Twilio failed to serve the request';
  if (e instanceof TwilioRequestError) return 'Twilio refused the request';
  return 'Twilio answered with an error';
}

/** more_info when it is a page of Twilio's (origin and path only: a query or fragment is upstream free text). */
function twilioDocsUrl(moreInfo: string | null): string | null {
  if (!moreInfo) return null;
  try {
    const u = new URL(moreInfo);
    const twilio = u.hostname === 'twilio.com' || u.hostname.endsWith('.twilio.com');
    return u.protocol === 'https:' && twilio && !u.username && !u.password ? `${u.origin}${u.pathname}` : null;
  } catch {
    return null;
  }
}
