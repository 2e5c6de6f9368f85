/**
 * The per-account request budget, kept in Redis so every worker process shares it. Twilio limits reads by
 * account-wide concurrency, so the budget is a semaphore (a sorted set of leases scored by expiry, so a crashed
 * process's leases lapse) whose size adapts, as TCP's congestion window does:
 *
 * - slow start: a budget with no history grows by one per successful request, so it doubles per round of
 *   requests, until the first 429;
 * - then additive increase (about `increase` per round) and, on a 429, a decrease to just below the concurrency
 *   at which Twilio refused: the refused lease's position (how many leases were out when it was granted) minus
 *   one. A concurrency limit is a hard cap, so backing off further below it only wastes the allowance; a cap
 *   shared with the customer's own traffic shows as a lower position, and the budget follows it down at once.
 *   Without a position (a lease from before this rule), the multiplicative decrease of AIMD.
 * - at most one decrease per overshoot: a burst of 429s from one overshoot counts once;
 * - after a 429 the budget stays below the refused level for `hold` ms before it probes it again;
 * - a budget unused for `idleReset` ms is forgotten (its Redis keys expire): it starts over with a slow start,
 *   so a limit learned long ago is probed again. A restart of the service keeps what was learned.
 *
 * Written as Lua because acquire and adapt must each be one atomic step across processes; no library offers an
 * adaptive distributed semaphore (BullMQ's limiter is a fixed rate per queue, not concurrency).
 */

/**
 * The increase, as Lua shared by RELEASE and RENEW; expects the locals limit and now, and the increase, max and
 * hold at the given ARGV indexes. During the hold after a 429 the limit does not climb back to the refused level
 * (refusedLevel), else it would probe that level again within a few requests, and every probe is a 429 that the
 * customer's own traffic on the account may take too. Past the hold it probes again, so a raised limit is found.
 */
function increaseLua(inc: number, max: number, hold: number): string {
  return `
  if redis.call('HEXISTS', KEYS[2], 'decreasedAt') == 0 then
    limit = math.min(tonumber(ARGV[${max}]), limit + 1)
  else
    limit = math.min(tonumber(ARGV[${max}]), limit + tonumber(ARGV[${inc}]) / limit)
  end
  local refused = tonumber(redis.call('HGET', KEYS[2], 'refusedLevel') or '0')
  if refused > 0 then
    local since = tonumber(redis.call('HGET', KEYS[2], 'decreasedAt') or '0')
    if now < since + tonumber(ARGV[${hold}]) then
      limit = math.min(limit, refused - 0.001)
    elseif limit >= refused + 1 then
      redis.call('HDEL', KEYS[2], 'refusedLevel')
    end
  end
  redis.call('HSET', KEYS[2], 'limit', limit)`;
}

/**
 * KEYS: leases, state. ARGV: leaseId, ttlMs, initial, max, idleResetMs.
 * Returns {granted, position (leases out, this one included), limit*1000, now}.
 */
export const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local limit = tonumber(redis.call('HGET', KEYS[2], 'limit'))
if not limit then
  limit = tonumber(ARGV[3])
  redis.call('HSET', KEYS[2], 'limit', limit)
end
local n = redis.call('ZCARD', KEYS[1])
if n < math.max(1, math.floor(limit)) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[5]))
  return {1, n + 1, math.floor(limit * 1000), now}
end
return {0, n, math.floor(limit * 1000), now}
`;

/**
 * KEYS: leases, state. ARGV: leaseId, outcome, acquiredAt, increase, decrease, max, min, holdMs, position.
 * A 429 on a lease taken before the last decrease is the same overshoot already answered: not counted again.
 */
export const RELEASE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREM', KEYS[1], ARGV[1])
local limit = tonumber(redis.call('HGET', KEYS[2], 'limit'))
if not limit then return 0 end
local outcome = ARGV[2]
if outcome == 'throttled' then
  local last = tonumber(redis.call('HGET', KEYS[2], 'decreasedAt') or '0')
  if tonumber(ARGV[3]) >= last then
    local position = tonumber(ARGV[9])
    local refused = math.max(1, math.floor(limit))
    if position > 0 then
      refused = position
      limit = math.max(tonumber(ARGV[7]), position - 1)
    else
      limit = math.max(tonumber(ARGV[7]), limit * tonumber(ARGV[5]))
    end
    redis.call('HSET', KEYS[2], 'limit', limit, 'decreasedAt', now, 'refusedLevel', refused)
  end
elseif outcome == 'ok' then${increaseLua(4, 6, 8)}
end
return math.floor(limit * 1000)
`;

/**
 * KEYS: leases, state. ARGV: leaseId, outcome, ttlMs, increase, max, holdMs, idleResetMs.
 * Returns {status, inFlight, limit*1000, now}: status 1 = renewed, 0 = renewed but the account holds more
 * leases than its limit allows (another process's 429 lowered it), -1 = the lease is gone (lapsed).
 *
 * A process hands a finished request's lease straight to its next request instead of a RELEASE then an
 * ACQUIRE. This records what RELEASE would have (the finished request's outcome) and what ACQUIRE would
 * have (a fresh expiry) in one atomic step, so a lease in use never lapses and no success goes uncounted.
 * It never re-adds a lapsed lease: the budget may have been given to someone else since.
 */
export const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local limit = tonumber(redis.call('HGET', KEYS[2], 'limit'))
if not limit then return {-1, 0, 0, now} end
if ARGV[2] == 'ok' then${increaseLua(4, 5, 6)}
end
local n = redis.call('ZCARD', KEYS[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {-1, n, math.floor(limit * 1000), now} end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[7]))
local status = 1
if n > math.max(1, math.floor(limit)) then status = 0 end
return {status, n, math.floor(limit * 1000), now}
`;
