import { TwilioHttpException } from '../twilio/twilio-http.exception';
import type { EchoForm } from './fault.types';

/** Characters cut from the end of the secret for `token-cut`: a prefix long enough to still be a leak. */
const CUT = 4;

/**
 * A Twilio error that leaks the request's credential, as a misbehaving upstream or proxy might: the message and
 * more_info carry the Basic password (auth token, or API secret when an API key was used) in the chosen form.
 * The mirror must never let any of these forms reach a log, an event or a response.
 */
export function credentialEchoError(authorization: string | undefined, form: EchoForm, status: 400 | 500): TwilioHttpException {
  const echo = echoed(authorization ?? '', form);
  const code = status === 400 ? 20001 : 20500;
  return new TwilioHttpException({
    code,
    message: `Upstream rejected the request made with credential ${echo}`,
    more_info: `https://www.twilio.com/docs/errors/${code}?credential=${echo}`,
    status,
  });
}

function echoed(authorization: string, form: EchoForm): string {
  if (form === 'basic') return authorization;
  const secret = basicPassword(authorization);
  switch (form) {
    case 'token':
      return secret;
    case 'token-cut':
      return secret.slice(0, Math.max(1, secret.length - CUT));
    case 'upper':
      return secret.toUpperCase();
    case 'base64':
      return Buffer.from(secret, 'utf8').toString('base64');
    case 'urlencoded':
      return encodeURIComponent(secret);
  }
}

/** Only called behind TwilioAuthGuard, so the header is a valid Basic credential. */
function basicPassword(authorization: string): string {
  const decoded = Buffer.from(authorization.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1);
}
