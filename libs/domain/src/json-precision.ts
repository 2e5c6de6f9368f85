/**
 * Whether a JSON text may hold a number that a JavaScript number cannot carry exactly: 16 or more digits
 * (a dot allowed between them) or an exponent. Two different numbers of at most 15 significant digits and
 * no exponent always parse to different doubles, so texts without such a number compare exactly once
 * parsed; for the others only Postgres's numeric comparison (jsonb) is exact. False positives (long digit
 * runs inside strings) only cost that exact comparison.
 */
export function mayLosePrecision(jsonText: string | null): boolean {
  return jsonText !== null && LOSSY_NUMBER.test(jsonText);
}

const LOSSY_NUMBER = /\d(?:\.?\d){15}|\d[eE][-+]?\d/;
