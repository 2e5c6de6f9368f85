/** Inputs and results of SimAdminService, shared by the HTTP admin and in-process callers. */
export interface ApiKeyCredentials {
  sid: string;
  secret: string;
}

export interface CreateAccountInput {
  /** Default: a new seeded `AC…` sid. An existing sid updates that account. */
  accountSid?: string;
  authToken?: string;
  /** Default for a new account: one generated key. */
  apiKeys?: readonly ApiKeyCredentials[];
}

export interface AccountCredentials {
  accountSid: string;
  authToken: string;
  apiKeys: ApiKeyCredentials[];
}

export interface CreateServiceInput {
  /** Default: the default account. */
  accountSid?: string;
  friendlyName?: string | null;
  /** Default: a new seeded `IS…` sid. */
  sid?: string;
}

export interface BulkCreateUsersInput {
  count: number;
  /** Default: derived from the simulator's seed. Either way the service sid and call index are mixed in. */
  seed?: number;
}

export interface BulkCreateUsersResult {
  created: number;
  total: number;
}

/** A JSON object, or any text (kept verbatim, even when it is not JSON: planted poison); null/absent means `{}`. */
export type AttributesInput = string | Record<string, unknown> | null;

export interface CreateUserInput {
  identity: string;
  friendlyName?: string | null;
  attributes?: AttributesInput;
  /** Default: the service's default role; null for none. */
  roleSid?: string | null;
  isOnline?: boolean | null;
  isNotifiable?: boolean | null;
}

export interface UpdateUserInput {
  friendlyName?: string | null;
  attributes?: AttributesInput;
  roleSid?: string | null;
  isOnline?: boolean | null;
  isNotifiable?: boolean | null;
}
