export interface TwilioErrorBody {
  code: number | null;
  message: string | null;
  moreInfo: string | null;
}

/**
 * Twilio's `{code, message, more_info, status}`, read tolerantly: an HTML page from a proxy, an empty body or
 * odd types yield nulls, and the caller still types the error by HTTP status.
 */
export function parseErrorBody(text: string): TwilioErrorBody {
  const empty: TwilioErrorBody = { code: null, message: null, moreInfo: null };
  if (text === '' || text.length > 65536) return empty;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return empty;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return empty;
  const b = body as Record<string, unknown>;
  const rawCode = typeof b.code === 'string' && /^\d+$/.test(b.code) ? Number(b.code) : b.code;
  return {
    code: typeof rawCode === 'number' && Number.isInteger(rawCode) ? rawCode : null,
    // Bounded, but far past what an error shows (ERROR_TEXT_CHARS): the client redacts, then cuts.
    message: typeof b.message === 'string' ? b.message.slice(0, 10_000) : null,
    moreInfo: typeof b.more_info === 'string' ? b.more_info.slice(0, 10_000) : null,
  };
}
