// Twilio SIDs are a two-letter type prefix plus 32 hex digits (see the OpenAPI `pattern`s).
const USER_SID = /^US[0-9a-fA-F]{32}$/;
const SERVICE_SID = /^IS[0-9a-fA-F]{32}$/;
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const ROLE_SID = /^RL[0-9a-fA-F]{32}$/;
const API_KEY_SID = /^SK[0-9a-fA-F]{32}$/;

export function isUserSid(s: unknown): s is string {
  return typeof s === 'string' && USER_SID.test(s);
}

export function isServiceSid(s: unknown): s is string {
  return typeof s === 'string' && SERVICE_SID.test(s);
}

export function isAccountSid(s: unknown): s is string {
  return typeof s === 'string' && ACCOUNT_SID.test(s);
}

export function isRoleSid(s: unknown): s is string {
  return typeof s === 'string' && ROLE_SID.test(s);
}

export function isApiKeySid(s: unknown): s is string {
  return typeof s === 'string' && API_KEY_SID.test(s);
}
