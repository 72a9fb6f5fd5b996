// Helpers every script starts with. Whatever is read from Redis is untrusted (anyone who can write
// to it may have written it, and a dump may be restored from elsewhere): a key of the wrong type is
// deleted and read as empty, a value that is no number is none. A bad key is that key's problem,
// never an error reply, so it never counts as an outage.
//
// fleetNow: fleet time when the script runs, the server's clock plus the offset the caller's last
// heartbeat learnt, whatever delayed the script; unless that strays from the caller's estimate (no
// more than `below` behind it, `above` ahead), which means the server's clock stepped since that
// heartbeat: then the estimate.
export const LUA_HELPERS = `
local function num(v)
  local n = tonumber(v)
  if n == nil or n ~= n or n == math.huge or n == -math.huge then return nil end
  return n
end
local function ms(n) return string.format('%.0f', n) end
local function typed(key, kind)
  local t = redis.call('TYPE', key).ok
  if t ~= kind and t ~= 'none' then redis.call('DEL', key) return false end
  return t == kind
end
local function fleetNow(estimate, offset, below, above)
  local now, o = tonumber(estimate), num(offset)
  if o then
    local t = redis.call('TIME')
    local exact = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + o
    if exact >= now - tonumber(below) and exact <= now + tonumber(above) then now = exact end
  end
  return now
end`;

/** A number as whole ms for Lua (the server counts in ms; "Infinity" would not parse). */
export function wholeMs(value: number): number {
  return Math.round(Math.min(Math.max(value, -Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER));
}
