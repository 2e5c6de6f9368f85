import { BadRequestException } from '@nestjs/common';
import { isSid } from '../common/sid';
import type { AttributesInput } from './sim-admin.types';

const MAX_IDENTITY_LENGTH = 1024;
const MAX_FRIENDLY_NAME_LENGTH = 256;

/** Twilio stores attributes as the JSON text it was given, which must be an object. */
export function attributesText(input: AttributesInput | undefined): string {
  if (input === undefined || input === null) return '{}';
  if (typeof input === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      throw new BadRequestException('attributes must be valid JSON');
    }
    if (!isPlainObject(parsed)) throw new BadRequestException('attributes must be a JSON object');
    return input;
  }
  if (!isPlainObject(input)) throw new BadRequestException('attributes must be an object or its JSON text');
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
  const reordered = JSON.stringify(reverseKeys(JSON.parse(text)));
  return reordered === text ? JSON.stringify(JSON.parse(text), null, 1) : reordered;
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
