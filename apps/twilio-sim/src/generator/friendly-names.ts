import { flatString } from '../common/flat-string';
import { ASCII_FIRST_NAMES, ASCII_LAST_NAMES, EMOJI, UNICODE_FIRST_NAMES, UNICODE_LAST_NAMES } from './sample-words';

const combine = (firsts: readonly string[], lasts: readonly string[]): string[] =>
  firsts.flatMap((first) => lasts.map((last) => `${first} ${last}`));

/** Built once and shared: a million users hold pointers, not a million name strings. */
export const FRIENDLY_NAMES: readonly string[] = [
  ...combine(ASCII_FIRST_NAMES, ASCII_LAST_NAMES),
  ...combine(UNICODE_FIRST_NAMES, UNICODE_LAST_NAMES),
  ...combine(EMOJI, UNICODE_FIRST_NAMES),
  ...ASCII_FIRST_NAMES,
].map(flatString);
