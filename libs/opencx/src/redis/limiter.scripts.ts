import { LUA_HELPERS } from './lua.js';
import { redisScript } from './redis-client.js';

/**
 * The sliding log of a limiter key, shared by the fleet: KEYS log (bookings), sent (sends), pause.
 * ARGV: estimate, limit, window, maxWait, id, maxTransit, maxPause, grace, hold (s), notBefore,
 * probe, horizon, offset, below, above (now is fleetNow of estimate, offset, below, above),
 * departed (instances that left or stopped beating, comma-separated, '' for none), then triples
 * (member, offset from now, kind): 'r' a release (re-timed to its end if it was sent, else
 * its booking dropped), 'i' a send handed back (made while Redis was unreachable, or before Redis
 * lost it; never moved earlier). A send in transit is scored by the latest it can arrive and
 * counts as reaching OpenCX now until then.
 *
 * State: 0 as usual; 1 lost (the caller's `probe`, a send of its in the window, is not there: the
 * key's state was lost, so the caller hands its sends back and asks again; nothing was booked);
 * 2 held (the server started less than `hold` s ago, so not every instance has handed its sends
 * back yet: nothing is granted before the hold ends). Bookings not claimed within `grace` after
 * their time are dropped (their instance stopped), and so are those of a departed instance at once
 * (a member is `instance/id`): a killed instance's bookings up to `maxWait` ahead would otherwise
 * keep their slots from the living. Scores beyond `horizon` from now are no
 * booking or send of this fleet's time (garbage, or a dump restored from elsewhere) and are dropped.
 */
const LOG = `${LUA_HELPERS}
local now, limit, window, maxWait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local id, transit, maxPause, grace = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local hold, notBefore, probe, horizon = tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11], tonumber(ARGV[12])
now = fleetNow(now, ARGV[13], ARGV[14], ARGV[15])
local plan, sent = KEYS[1], KEYS[2]
typed(plan, 'zset')
typed(sent, 'zset')
redis.call('ZREMRANGEBYSCORE', plan, '(' .. ms(now + horizon), '+inf')
redis.call('ZREMRANGEBYSCORE', sent, '(' .. ms(now + horizon), '+inf')
local paused = 0
if typed(KEYS[3], 'string') then
  local till = num(redis.call('GET', KEYS[3]))
  if till == nil or till <= now then redis.call('DEL', KEYS[3])
  else
    paused = math.min(till, now + maxPause)
    if paused < till or redis.call('PTTL', KEYS[3]) < 0 then
      redis.call('SET', KEYS[3], ms(paused), 'PX', ms(paused - now))
    end
  end
end
for i = 17, #ARGV, 3 do
  local member, at, kind = ARGV[i], ms(now + tonumber(ARGV[i + 1])), ARGV[i + 2]
  if kind == 'i' then
    redis.call('ZADD', plan, 'GT', at, member)
    redis.call('ZADD', sent, 'GT', at, member)
  elseif redis.call('ZSCORE', sent, member) then
    redis.call('ZADD', plan, at, member)
    redis.call('ZADD', sent, at, member)
  else
    redis.call('ZREM', plan, member)
  end
end
redis.call('ZREMRANGEBYSCORE', plan, '-inf', ms(now - window))
redis.call('ZREMRANGEBYSCORE', sent, '-inf', ms(now - window))
if ARGV[16] ~= '' then
  local gone = {}
  for owner in string.gmatch(ARGV[16], '[^,]+') do gone[owner] = true end
  for _, member in ipairs(redis.call('ZRANGE', plan, 0, -1)) do
    local owner = string.match(member, '^([^/]+)/')
    if owner and gone[owner] and not redis.call('ZSCORE', sent, member) then redis.call('ZREM', plan, member) end
  end
end
local state, held = 0, 0
if probe ~= '' and not redis.call('ZSCORE', sent, probe) then state = 1 end
-- Before a grant: bookings nobody claimed are dropped (only a full log can be held back by one),
-- and a server that started less than the hold ago grants nothing yet.
local function beforeGrant()
  if redis.call('ZCARD', plan) >= limit then
    for _, member in ipairs(redis.call('ZRANGEBYSCORE', plan, '-inf', ms(now - grace))) do
      if not redis.call('ZSCORE', sent, member) then redis.call('ZREM', plan, member) end
    end
  end
  local up = tonumber(string.match(redis.call('INFO', 'server'), 'uptime_in_seconds:(%d+)'))
  if up and up < hold then
    -- The uptime is whole seconds (up to one more has passed): ask again a quarter second ahead of
    -- the likeliest end, never sooner than in a quarter second. Only a time past the hold is granted.
    held = math.max(250, (hold - up) * 1000 - 750)
    if state == 0 then state = 2 end
  end
end
local function slot(key, cap)
  if limit <= 0 then return now + window end
  local count = redis.call('ZCARD', key)
  if count < limit then return now end
  local entry = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
  return math.min(tonumber(entry[2]), cap) + window
end
local function keep(key)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] then
    redis.call('PEXPIRE', key, ms(math.max(1, math.min(tonumber(last[2]) - now + window, horizon + window))))
  end
end
local function book(at)
  redis.call('ZADD', plan, ms(at), id)
  if at <= now then redis.call('ZADD', sent, ms(now + transit), id) end
end`;

/** Books a send: {granted, wait, state}. Nothing is booked when lost. */
export const RESERVE = redisScript(`${LOG}
if state == 1 then return {0, 0, 1} end
beforeGrant()
local at = math.max(slot(plan, math.huge), slot(sent, now), paused, notBefore, now + held)
if at - now <= maxWait then book(at) end
keep(plan)
keep(sent)
if at - now > maxWait then return {0, at - now, state} end
return {1, at - now, state}`);

/** Sends a booked call if the sends allow it: {wait, state}. Nothing is booked when lost. */
export const CLAIM = redisScript(`${LOG}
if state == 1 then return {0, 1} end
beforeGrant()
local at = math.max(slot(sent, now), paused, notBefore, now + held)
book(at)
keep(plan)
keep(sent)
return {at - now, state}`);

/** Carries releases and sends handed back: {state}. */
export const RELEASE = redisScript(`${LOG}
keep(plan)
keep(sent)
return {state}`);

/** A pause never shortens one already set: KEYS pause; ARGV ms, estimate, offset, below, above. */
export const PAUSE = redisScript(`${LUA_HELPERS}
local now, length = fleetNow(ARGV[2], ARGV[3], ARGV[4], ARGV[5]), tonumber(ARGV[1])
local till = typed(KEYS[1], 'string') and num(redis.call('GET', KEYS[1])) or 0
if now + length > till then redis.call('SET', KEYS[1], ms(now + length), 'PX', ms(length)) end
return 1`);

/** Ms until the pause ends, never more than maxPause: KEYS pause; ARGV maxPause, estimate, offset, below, above. */
export const PAUSED_FOR = redisScript(`${LUA_HELPERS}
if not typed(KEYS[1], 'string') then return 0 end
local till = num(redis.call('GET', KEYS[1]))
if till == nil then redis.call('DEL', KEYS[1]) return 0 end
local left = math.min(tonumber(ARGV[1]), till - fleetNow(ARGV[2], ARGV[3], ARGV[4], ARGV[5]))
if left <= 0 then return 0 end
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ms(left)) end
return left`);
