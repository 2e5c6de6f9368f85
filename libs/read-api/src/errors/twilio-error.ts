/** Twilio's error body: https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

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
  const code = CODES[status] ?? 20000 + status;
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** Paths of the Twilio-compatible surface, whose errors take Twilio's shape. Routing ignores case; so does this. */
export function isTwilioPath(path: string): boolean {
  return /^\/twilio(\/|$)/i.test(path);
}
