import { LUA_HELPERS } from './lua.js';
import { redisScript } from './redis-client.js';

/**
 * The heartbeat: the one script that reads the server's clock. KEYS clock, members; ARGV instance,
 * estimate (the caller's fleet time, '' when it has none), forget, tolerance, newcomer cap, ttl,
 * leaving ('1'), known ('1' when the caller beat lately, so its membership must be there).
 *
 * The fleet time L never goes back. It advances by the server's clock (raw − R) when that agrees
 * with the caller's estimate within the tolerance, and follows the estimate when it does not (the
 * server's clock stepped, either way). A caller without an estimate (its first beat) advances it
 * by at most the newcomer cap, so a newcomer cannot import a forward step. A missing or garbled
 * clock is made anew from the caller's estimate (or the server's clock), and said: the fleet's
 * state was lost (a restart, a flush). Members are scored by fleet time; those not heard of for
 * `forget` ms are dropped. Returns {fleet time, fleet size, lost}.
 */
export const BEAT = redisScript(`${LUA_HELPERS}
local t = redis.call('TIME')
local raw = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local estimate, forget, tolerance = num(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local cap, ttl = tonumber(ARGV[5]), tonumber(ARGV[6])
local lost, fleet, l, r = 0, nil, nil, nil
if typed(KEYS[1], 'hash') then
  l, r = num(redis.call('HGET', KEYS[1], 'L')), num(redis.call('HGET', KEYS[1], 'R'))
end
if l == nil or r == nil then
  lost = 1
  fleet = estimate or raw
else
  local advance = raw - r
  if estimate == nil then fleet = l + math.min(math.max(advance, 0), cap)
  elseif math.abs(l + advance - estimate) <= tolerance then fleet = l + advance
  else fleet = estimate end
  fleet = math.max(fleet, l)
end
fleet = math.floor(fleet)
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'L', ms(fleet), 'R', ms(raw))
redis.call('PEXPIRE', KEYS[1], ttl)
typed(KEYS[2], 'zset')
if ARGV[8] == '1' and not redis.call('ZSCORE', KEYS[2], ARGV[1]) then lost = 1 end
if ARGV[7] == '1' then redis.call('ZREM', KEYS[2], ARGV[1]) else redis.call('ZADD', KEYS[2], ms(fleet), ARGV[1]) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ms(fleet - forget))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '(' .. ms(fleet + forget), '+inf')
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ttl) end
return {fleet, redis.call('ZCARD', KEYS[2]), lost}`);
