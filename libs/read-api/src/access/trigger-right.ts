/** Set on routes that start work (a crawl, an erasure): the token needs the trigger right (see ScopeGuard). */
export const TRIGGER_RIGHT = Symbol('read-api:trigger-right');
