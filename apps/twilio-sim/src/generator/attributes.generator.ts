import type { Prng } from '../common/prng';
import { DEPARTMENTS, EMOJI, LOCALES, UNICODE_FIRST_NAMES, WORDS } from './sample-words';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const KEYS = ['department', 'level', 'tags', 'profile', 'settings', 'score', 'manager', 'devices', 'flags', 'nickname', 'ключ', 'メモ'];

/**
 * A pool of attribute strings shared by the users of one bulk call: realistic variety (nested objects,
 * arrays, numbers, booleans, nulls, unicode, `{}`, pretty-printed JSON) while a million users cost one
 * pointer each instead of one string each.
 */
export function attributesPool(prng: Prng, size: number): string[] {
  const pool: string[] = [];
  for (let i = 0; i < size; i++) pool.push(attributesString(prng));
  return pool;
}

function attributesString(prng: Prng): string {
  const roll = prng.int(100);
  if (roll < 15) return '{}';
  const value = roll < 35 ? knownShape(prng) : randomObject(prng, 0);
  // Twilio returns the string as stored, whitespace included.
  if (roll % 10 === 0) return JSON.stringify(value, null, 2);
  if (roll % 10 === 1) return JSON.stringify(value).replace(/":/g, '": ').replace(/^\{/, '{ ').replace(/\}$/, ' }');
  return JSON.stringify(value);
}

function knownShape(prng: Prng): Json {
  return {
    department: prng.pick(DEPARTMENTS),
    level: prng.int(10),
    active: prng.chance(0.5),
    profile: {
      locale: prng.pick(LOCALES),
      nickname: `${prng.pick(UNICODE_FIRST_NAMES)} ${prng.pick(EMOJI)}`,
      tags: [prng.pick(WORDS), prng.pick(WORDS)],
    },
    score: Math.round(prng.next() * 10000) / 100,
    manager: prng.chance(0.3) ? null : `US${'0'.repeat(31)}${prng.int(10)}`,
  };
}

function randomObject(prng: Prng, depth: number): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  const keys = 1 + prng.int(5);
  for (let i = 0; i < keys; i++) out[`${prng.pick(KEYS)}${i === 0 ? '' : `_${i}`}`] = randomValue(prng, depth + 1);
  return out;
}

function randomValue(prng: Prng, depth: number): Json {
  const roll = prng.int(depth >= 3 ? 6 : 9);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return prng.chance(0.5);
    case 2:
      return prng.int(2_000_000) - 1_000_000;
    case 3:
      return prng.chance(0.1) ? Number.MAX_SAFE_INTEGER : Math.round(prng.next() * 1e6) / 1e3;
    case 4:
      return `${prng.pick(WORDS)} ${prng.pick(EMOJI)}`;
    case 5:
      return prng.pick(UNICODE_FIRST_NAMES);
    case 6:
    case 7:
      return randomObject(prng, depth);
    default:
      return Array.from({ length: prng.int(4) }, () => randomValue(prng, depth + 1));
  }
}
