import { LUA_HELPERS } from './lua.js';
import { redisScript } from './redis-client.js';

/**
 * The heartbeat, which keeps the fleet's time. KEYS clock, members, departed; ARGV instance, estimate (the
 * caller's fleet time when it sent the beat, '' when it has none), forget, below, above, newcomer
 * cap, ttl, leaving ('1'), known ('1' when the caller beat lately, so its membership must be there),
 * joined (the fleet time the caller joined at, as this script last said, or '').
 *
 * The fleet time L never goes back. It advances by the server's clock (raw − R) while that agrees
 * with the caller's estimate: no more than `below` behind it, no more than `above` ahead (the beat
 * may have waited in a busy process or on the network). Otherwise the server's clock stepped, and
 * L follows the estimate. A caller without an estimate (its first beat) advances L by at most the
 * newcomer cap, so a newcomer cannot import a forward step. A missing or garbled clock is made
 * anew from the caller's estimate (or the server's clock), and said: the fleet's state was lost (a
 * restart, a flush). Members are scored by fleet time; those not heard of for `forget` ms are
 * dropped. Those that left, and those dropped while the fleet beats (the last beat, anyone's, less
 * than `forget` ago: not after a freeze or an outage, when every member looks silent), are said to
 * have departed for `ttl` ms, or until they beat again: their bookings hold no slot (see the
 * limiter's scripts). Returns {fleet time, fleet size, lost,
 * the server's clock, joined, unaware, departed (the latest few)}: the
 * difference of the first and the fourth is what every per-key script adds to the server's clock to
 * read fleet time. `joined` is when the caller joined (now, if it was no member); `unaware` how many
 * other members have not beaten since, so do not count it yet.
 */
export const BEAT = redisScript(`${LUA_HELPERS}
local t = redis.call('TIME')
local raw = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local estimate, forget, below, above = num(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local cap, ttl = tonumber(ARGV[6]), tonumber(ARGV[7])
local lost, fleet, l, r, beating = 0, nil, nil, nil, false
if typed(KEYS[1], 'hash') then
  l, r = num(redis.call('HGET', KEYS[1], 'L')), num(redis.call('HGET', KEYS[1], 'R'))
end
if l == nil or r == nil then
  lost = 1
  fleet = estimate or raw
else
  local advance = raw - r
  beating = advance >= 0 and advance < forget
  if estimate == nil then fleet = l + math.min(math.max(advance, 0), cap)
  elseif l + advance >= estimate - below and l + advance <= estimate + above then fleet = l + advance
  else fleet = estimate end
  fleet = math.max(fleet, l)
end
fleet = math.floor(fleet)
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'L', ms(fleet), 'R', ms(raw))
redis.call('PEXPIRE', KEYS[1], ttl)
typed(KEYS[2], 'zset')
typed(KEYS[3], 'zset')
local member, joined = redis.call('ZSCORE', KEYS[2], ARGV[1]), num(ARGV[10])
if ARGV[9] == '1' and not member then lost = 1 end
if not member or joined == nil or joined > fleet then joined = fleet end
if ARGV[8] == '1' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZADD', KEYS[3], ms(fleet), ARGV[1])
else
  redis.call('ZADD', KEYS[2], ms(fleet), ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
end
if beating then
  for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ms(fleet - forget), 'LIMIT', 0, 64)) do
    redis.call('ZADD', KEYS[3], ms(fleet), gone)
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ms(fleet - forget))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '(' .. ms(fleet + forget), '+inf')
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ttl) end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ms(fleet - ttl))
redis.call('ZREMRANGEBYSCORE', KEYS[3], '(' .. ms(fleet + forget), '+inf')
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('PEXPIRE', KEYS[3], ttl) end
-- Members whose last beat was no later than the caller's join (the caller itself, when it joins now).
local unaware = redis.call('ZCOUNT', KEYS[2], '-inf', ms(joined))
if ARGV[8] ~= '1' and fleet <= joined then unaware = unaware - 1 end
return {fleet, redis.call('ZCARD', KEYS[2]), lost, raw, joined, unaware, redis.call('ZRANGE', KEYS[3], -16, -1)}`);
