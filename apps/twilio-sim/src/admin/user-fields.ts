import { BadRequestException } from '@nestjs/common';
import { isSid } from '../common/sid';
import type { AttributesInput } from './sim-admin.types';

const MAX_IDENTITY_LENGTH = 1024;
const MAX_FRIENDLY_NAME_LENGTH = 256;

/**
 * Twilio stores attributes as the JSON text it was given. A string is kept verbatim whatever it holds (invalid
 * JSON, a non-object, NUL, lone surrogates, 1e999999, deep nesting, any size the body allows), so tests can plant
 * the poison an upstream could serve; an object is serialised.
 */
export function attributesText(input: AttributesInput | undefined): string {
  if (input === undefined || input === null) return '{}';
  if (typeof input === 'string') return input;
  if (!isPlainObject(input)) throw new BadRequestException('attributes must be an object or a string');
  return JSON.stringify(input);
}

export function identityValue(identity: unknown): string {
  if (typeof identity !== 'string' || identity.length === 0 || identity.length > MAX_IDENTITY_LENGTH) {
    throw new BadRequestException(`identity must be a string of 1..${MAX_IDENTITY_LENGTH} characters`);
  }
  return identity;
}

export function friendlyNameValue(name: unknown): string | null {
  if (name === null) return null;
  if (typeof name !== 'string' || name.length > MAX_FRIENDLY_NAME_LENGTH) {
    throw new BadRequestException(`friendlyName must be null or a string of at most ${MAX_FRIENDLY_NAME_LENGTH} characters`);
  }
  return name;
}

export function roleSidValue(roleSid: unknown): string | null {
  if (roleSid === null) return null;
  if (!isSid('RL', roleSid)) throw new BadRequestException('roleSid must be null or an RL sid');
  return roleSid;
}

export function presenceValue(name: string, value: unknown): boolean | null {
  if (value !== null && typeof value !== 'boolean') throw new BadRequestException(`${name} must be true, false or null`);
  return value;
}

/** Same JSON value, keys in reverse order at every level: a byte change that is no semantic change. */
export function reorderedAttributes(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
    const reordered = JSON.stringify(reverseKeys(value));
    return reordered === text ? JSON.stringify(value, null, 1) : reordered;
  } catch {
    // Planted poison (not JSON, or nested deeper than the stack): there is no same-value rewrite to make.
    throw new BadRequestException('attributes are not JSON that can be re-serialised');
  }
}

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).reverse()) out[key] = reverseKeys(value[key]);
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
