import { LUA_HELPERS } from './lua.js';
import { redisScript } from './redis-client.js';

// A contact's token, lock and eviction marker (see RedisKeys.contact). A look-up is dated, and an
// eviction marked, in fleet time as the script reads it (see fleetNow): so a look-up and an
// eviction are ordered however late either script ran, on any instance.

/** Marks KEYS[2] evicted as of now and ARGV[1] (never earlier than a marker already there), for ARGV[2] ms. */
const MARK = `local marker = fleetNow(ARGV[3], ARGV[4], ARGV[5], ARGV[6]) + tonumber(ARGV[1])
if typed(KEYS[2], 'string') then
  local before = num(redis.call('GET', KEYS[2]))
  if before and before > marker then marker = before end
end
redis.call('SET', KEYS[2], ms(marker), 'PX', ARGV[2])`;

/**
 * The contact's entry if it is for this payload, else the contact's lock if free, and when: KEYS
 * token, lock; ARGV payload, owner, lockTtl, estimate, offset, below, above. Returns {hit, value,
 * locked, now}.
 */
export const LOOKUP = redisScript(`${LUA_HELPERS}
local now = fleetNow(ARGV[4], ARGV[5], ARGV[6], ARGV[7])
local v = typed(KEYS[1], 'string') and redis.call('GET', KEYS[1])
if v and redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
if v and string.sub(v, 1, #ARGV[1] + 1) == ARGV[1] .. '.' then return {1, v, 0, now} end
typed(KEYS[2], 'string')
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return {0, '', 1, now} end
if redis.call('PTTL', KEYS[2]) < 0 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return {0, '', 0, now}`);

/**
 * Keeps the entry unless the contact was evicted at or after the look-up's stamp, and releases this
 * instance's lock: KEYS token, lock, evicted; ARGV value, ttl, owner, stamp, markerTtl. Returns 1 if kept.
 */
export const STORE = redisScript(`${LUA_HELPERS}
local evicted = nil
if typed(KEYS[3], 'string') then
  evicted = num(redis.call('GET', KEYS[3]))
  if evicted == nil then redis.call('DEL', KEYS[3])
  elseif redis.call('PTTL', KEYS[3]) < 0 then redis.call('PEXPIRE', KEYS[3], ARGV[5]) end
end
local saved = 0
if evicted == nil or evicted < tonumber(ARGV[4]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  saved = 1
end
if typed(KEYS[2], 'string') and redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return saved`);

/** Releases this instance's lock: KEYS lock; ARGV owner. */
export const UNLOCK = redisScript(`${LUA_HELPERS}
if typed(KEYS[1], 'string') and redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

/**
 * Removes the entry and marks the contact evicted as of now and a margin (never earlier than a
 * marker already there), so a call that looked up before cannot store its answer: KEYS token,
 * evicted; ARGV margin, ttl, estimate, offset, below, above.
 */
export const EVICT = redisScript(`${LUA_HELPERS}
redis.call('DEL', KEYS[1])
${MARK}
return 1`);

/**
 * Adds a member to a note (a set) unless its key was evicted at or after the look-up's stamp,
 * keeping it at least ttl: KEYS note, evicted; ARGV member, ttl, stamp, markerTtl. Returns 1 if added.
 */
export const NOTE = redisScript(`${LUA_HELPERS}
if typed(KEYS[2], 'string') then
  local evicted = num(redis.call('GET', KEYS[2]))
  if evicted == nil then redis.call('DEL', KEYS[2])
  elseif redis.call('PTTL', KEYS[2]) < 0 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
  if evicted ~= nil and evicted >= tonumber(ARGV[3]) then return 0 end
end
typed(KEYS[1], 'set')
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`);

/**
 * Removes a note and marks its key evicted as EVICT does, in one step: KEYS note, evicted; ARGV
 * margin, ttl, estimate, offset, below, above. Returns the note's members.
 */
export const EVICT_NOTE = redisScript(`${LUA_HELPERS}
local members = {}
if typed(KEYS[1], 'set') then members = redis.call('SMEMBERS', KEYS[1]) end
redis.call('DEL', KEYS[1])
${MARK}
return members`);

/** Whether a note names a member: KEYS note; ARGV member. Returns 1 if it does. */
export const NOTED = redisScript(`${LUA_HELPERS}
if typed(KEYS[1], 'set') then return redis.call('SISMEMBER', KEYS[1], ARGV[1]) end
return 0`);
