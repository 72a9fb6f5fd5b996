// The Redis fleet store's Lua scripts. Every operation is one script: one round trip, atomic, and
// the same call on a client or a cluster (the keys of a script share a hash tag, so they live in one
// slot). Times come from the Redis server's clock, so instances whose clocks differ still agree.
// Whatever is read from Redis is untrusted (anyone who can write to it may have written it): numbers
// are checked and capped, and every key written gets a TTL, including a stray one found without.
const NOW = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)";

/** A number read from Redis, or `fallback` when it is none (garbage, or missing). */
const NUM = `local function num(v, fallback)
  local n = tonumber(v)
  if n == nil or n ~= n or n == math.huge or n == -math.huge then return fallback end
  return n
end`;

/**
 * A contact's entry if it is for this payload, else the contact's lock if free, and the look-up's
 * time: KEYS token, lock; ARGV payload, owner, lockTtl. Returns {hit, value, locked, now}.
 */
export const LOOKUP = `${NOW}
local v = redis.call('GET', KEYS[1])
if type(v) == 'string' and string.sub(v, 1, #ARGV[1] + 1) == ARGV[1] .. '.' then return {1, v, 0, now} end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return {0, '', 1, now} end
if redis.call('PTTL', KEYS[2]) < 0 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return {0, '', 0, now}`;

/**
 * Keeps the entry unless the contact was evicted at or after the look-up, and releases this
 * instance's lock: KEYS token, lock, evicted; ARGV value, ttl, owner, stamp. Returns 1 if kept.
 */
export const STORE = `${NUM}
local evicted = num(redis.call('GET', KEYS[3]), nil)
local saved = 0
if evicted == nil or evicted < tonumber(ARGV[4]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  saved = 1
end
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return saved`;

export const UNLOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/** Removes the entry and marks when, so a call in flight since before cannot store its answer: KEYS token, evicted; ARGV ttl. */
export const EVICT = `${NOW}
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], now, 'PX', ARGV[1])
return 1`;

/**
 * The sliding log of a limiter key, shared by the fleet. KEYS plan, sent, pause, fleet. ARGV:
 * limit, window, maxWait, member, maxTransit, instance, stale, forget, maxPause, knownFleet,
 * activeAgo, then (member, ms ago, kind) triples: kind 'e' a send that ended, 'a' one abandoned
 * (it may still arrive: in transit for maxTransit more), 'i' a send made while Redis was
 * unreachable (imported). A send in transit is scored by the latest it can arrive and counts as
 * reaching OpenCX now until then.
 *
 * The fleet set scores each instance by when it was last heard of. Instances not heard of for
 * `stale` ms may be on their own (Redis unreachable from them), where each sends its share
 * (limit / fleet size): the others leave that share to them. Members not heard of for `forget` ms
 * are dropped. A key whose fleet set is gone while this instance knows the key was active within
 * the window means Redis lost its state (a restart, a failover to an empty replica): if the
 * instance was alone it hands its own sends on again; else the window is counted as used, and the
 * members this instance knew are held for a window.
 */
const LOG = `${NOW}
${NUM}
local limit, window, maxWait, transit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[5])
local stale, forget, maxPause = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local knownFleet, activeAgo = tonumber(ARGV[10]), tonumber(ARGV[11])
local rawPause = redis.call('GET', KEYS[3])
local paused = num(rawPause, 0)
if rawPause and num(rawPause, nil) == nil then
  redis.call('DEL', KEYS[3])
elseif rawPause and (paused > now + maxPause or redis.call('PTTL', KEYS[3]) < 0) then
  paused = math.min(paused, now + maxPause)
  if paused > now then redis.call('SET', KEYS[3], paused, 'PX', math.ceil(paused - now)) else redis.call('DEL', KEYS[3]) end
end
-- Scores no instance could have written are dropped.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '(' .. (now + 2 * maxWait + 2 * window + transit), '+inf')
redis.call('ZREMRANGEBYSCORE', KEYS[2], '(' .. (now + 2 * transit + window), '+inf')
local lost = 0
if redis.call('EXISTS', KEYS[4]) == 0 and knownFleet > 0 and activeAgo < window then
  lost = 1
  -- Alone, this instance hands its own sends on again; with others, theirs are gone: count the window as used.
  if knownFleet > 1 then
    for i = 1, limit do
      redis.call('ZADD', KEYS[1], now, 'lost:' .. now .. ':' .. i)
      redis.call('ZADD', KEYS[2], now, 'lost:' .. now .. ':' .. i)
    end
    for i = 1, knownFleet - 1 do redis.call('ZADD', KEYS[4], now - forget + window + stale, 'held:' .. i) end
  end
end
redis.call('ZADD', KEYS[4], now, ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - forget)
redis.call('PEXPIRE', KEYS[4], forget)
local fleet = redis.call('ZCARD', KEYS[4])
local away = redis.call('ZCOUNT', KEYS[4], '-inf', now - stale)
limit = limit - away * math.max(1, math.floor(limit / fleet))
for i = 12, #ARGV, 3 do
  local at = now - tonumber(ARGV[i + 1])
  local kind = ARGV[i + 2]
  if kind == 'i' then
    redis.call('ZADD', KEYS[1], at, ARGV[i])
    redis.call('ZADD', KEYS[2], at, ARGV[i])
  elseif redis.call('ZSCORE', KEYS[2], ARGV[i]) then
    if kind == 'a' then at = at + transit end
    redis.call('ZADD', KEYS[1], at, ARGV[i])
    redis.call('ZADD', KEYS[2], at, ARGV[i])
  else
    redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
-- The earliest time the key's scores allow, none counted later than cap.
local function slot(key, cap)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if limit <= 0 then return now + window end
  local count = redis.call('ZCARD', key)
  if count < limit then return now end
  local entry = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
  return math.min(tonumber(entry[2]), cap) + window
end
local function keep(key)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIRE', key, math.max(1, math.ceil(tonumber(last[2]) - now + window))) end
end
local function book(at)
  redis.call('ZADD', KEYS[1], at, ARGV[4])
  if at <= now then redis.call('ZADD', KEYS[2], now + transit, ARGV[4]) end
  keep(KEYS[1])
  keep(KEYS[2])
end`;

/** Books a send: {granted, wait, state lost, fleet size}. */
export const RESERVE = `${LOG}
local at = math.max(slot(KEYS[1], math.huge), slot(KEYS[2], now), paused)
if at - now > maxWait then return {0, at - now, lost, fleet} end
book(at)
return {1, at - now, lost, fleet}`;

/** Sends a booked call if the sends allow it: {wait, state lost, fleet size}. */
export const CLAIM = `${LOG}
local at = math.max(slot(KEYS[2], now), paused)
book(at)
return {at - now, lost, fleet}`;

/** Carries releases and imports, and says this instance is present: {0, state lost, fleet size}. */
export const RELEASE = `${LOG}
keep(KEYS[1])
keep(KEYS[2])
return {0, lost, fleet}`;

/** This instance leaves the fleet (at shutdown), so the others need not hold its share: KEYS fleet; ARGV instance. */
export const LEAVE = "return redis.call('ZREM', KEYS[1], ARGV[1])";

/** A pause never shortens one already set: KEYS pause; ARGV ms. */
export const PAUSE = `${NOW}
${NUM}
local ms = tonumber(ARGV[1])
if now + ms > num(redis.call('GET', KEYS[1]), 0) then redis.call('SET', KEYS[1], now + ms, 'PX', ms) end
return 1`;

/** Ms until the pause ends, never more than maxPause: KEYS pause; ARGV maxPause. */
export const PAUSED_FOR = `${NOW}
${NUM}
return math.min(tonumber(ARGV[1]), math.max(0, num(redis.call('GET', KEYS[1]), 0) - now))`;
