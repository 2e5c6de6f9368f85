/** Well-known credentials of the account every simulator starts with, so demos and tests need no setup. */
export const SIM_DEFAULT_ACCOUNT_SID = 'AC11111111111111111111111111111111';
export const SIM_DEFAULT_AUTH_TOKEN = 'simauthtoken5f3a9c2e71b84d06e9c1';
export const SIM_DEFAULT_API_KEY_SID = 'SK11111111111111111111111111111111';
export const SIM_DEFAULT_API_KEY_SECRET = 'simapikeysecret7d41e8b2c95a03f6e';

/** DI token of the resolved SimulatorConfig. */
export const SIM_CONFIG = Symbol('SIM_CONFIG');

export const SERVICES_MAX_PAGE_SIZE = 100;
export const USERS_MAX_PAGE_SIZE = 50;
export const DEFAULT_PAGE_SIZE = 50;
/** Bulk creation sorts by (32-bit sid prefix, batch index) packed in a float64, which leaves 21 bits for the index. */
export const BULK_MAX_COUNT = 2_000_000;
