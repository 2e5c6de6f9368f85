const ANY = /^/;

/**
 * Concatenations leave V8 "cons strings" (a tree of the parts): kept for a million users they cost twice the
 * memory and most of the GC time of a bulk create. Matching a RegExp flattens the string in place.
 */
export function flatString(text: string): string {
  ANY.test(text);
  return text;
}
