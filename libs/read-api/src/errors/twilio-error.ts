/** Twilio's error body: https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions */
export interface TwilioErrorBody {
  code: number;
  /** Only on 401, as Twilio sends it. */
  detail?: string;
  message: string;
  more_info: string;
  status: number;
}

/**
 * Twilio's 401, whatever was wrong (no credentials, an unknown token, an account the token may not read): the
 * keys in Twilio's (alphabetical) order, `detail` included. The twilio SDK reads code, message, more_info, status.
 */
export const TWILIO_UNAUTHORIZED: Readonly<TwilioErrorBody> = Object.freeze({
  code: 20003,
  detail: 'Your AccountSid or AuthToken was incorrect.',
  message: 'Authenticate',
  more_info: 'https://www.twilio.com/docs/errors/20003',
  status: 401,
});

// Twilio's own codes for the statuses this surface can answer; anything else falls back to 20000 + status.
const CODES: Record<number, number> = {
  400: 20001,
  401: 20003,
  403: 20403,
  404: 20404,
  405: 20004,
  413: 20413,
  415: 20415,
  429: 20429,
  500: 20500,
  503: 20503,
};

export function twilioErrorBody(status: number, message: string): TwilioErrorBody {
  if (status === 401) return { ...TWILIO_UNAUTHORIZED };
  const code = CODES[status] ?? 20000 + status;
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** Paths of the Twilio-compatible surface, whose errors take Twilio's shape. Routing ignores case; so does this. */
export function isTwilioPath(path: string): boolean {
  return /^\/twilio(\/|$)/i.test(path);
}
