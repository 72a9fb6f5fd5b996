// The Redis fleet store's Lua scripts. Every command is a script: one round trip each, atomic, and the same call on a client or a
// cluster (keys of one script share a hash tag, so they live in one slot). Times come from the
// Redis server's clock, so instances whose clocks differ still agree on the window.
const NOW = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)";

/** The contact's entry if it is for this payload; else the contact's lock, if free: {hit, value, locked}. */
export const LOOKUP = `local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, #ARGV[1] + 1) == ARGV[1] .. '.' then return {1, v, 0} end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return {0, '', 1} end
return {0, '', 0}`;
/** Keeps the entry and releases this instance's lock on the contact. */
export const STORE = `redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1`;
export const UNLOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
export const DEL = "return redis.call('DEL', KEYS[1])";

// The sliding log (see RateLimitStore). KEYS plan, sends, pause; ARGV limit, window, maxWait,
// member, maxTransit, then releases as pairs (member, ms since its request ended). A send in
// transit is scored by the latest it can end (now + maxTransit) and counts as reaching OpenCX now
// until then; its release scores it by when it ended, and drops a booking never sent.
const LOG = `${NOW}
local limit, window, maxWait, transit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[5])
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
for i = 6, #ARGV, 2 do
  local ended = now - tonumber(ARGV[i + 1])
  if redis.call('ZSCORE', KEYS[2], ARGV[i]) then
    redis.call('ZADD', KEYS[1], ended, ARGV[i])
    redis.call('ZADD', KEYS[2], ended, ARGV[i])
  else
    redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
-- The earliest time the key's scores allow, none counted later than cap.
local function slot(key, cap)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count < limit then return now end
  local entry = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
  return math.min(tonumber(entry[2]), cap) + window
end
local function keep(key)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIRE', key, math.max(1, tonumber(last[2]) - now + window)) end
end
local function book(at)
  redis.call('ZADD', KEYS[1], at, ARGV[4])
  if at <= now then redis.call('ZADD', KEYS[2], now + transit, ARGV[4]) end
  keep(KEYS[1])
  keep(KEYS[2])
end`;

export const RESERVE = `${LOG}
local at = math.max(slot(KEYS[1], math.huge), slot(KEYS[2], now), paused)
if at - now > maxWait then return {0, at - now} end
book(at)
return {1, at - now}`;

export const CLAIM = `${LOG}
local at = math.max(slot(KEYS[2], now), paused)
book(at)
return at - now`;

export const RELEASE = `${LOG}
keep(KEYS[1])
keep(KEYS[2])
return 1`;

/** A pause never shortens one already set: KEYS pause; ARGV ms. */
export const PAUSE = `${NOW}
local ms = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + ms > current then redis.call('SET', KEYS[1], now + ms, 'PX', ms) end
return 1`;

export const PAUSED_FOR = `${NOW}
return math.max(0, tonumber(redis.call('GET', KEYS[1]) or '0') - now)`;
