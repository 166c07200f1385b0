-- One hit on a sliding-window counter (the memory limiter's algorithm): the
-- previous minute's count weighted by how much of it the window still
-- overlaps, plus this minute's. In a fresh window exactly `limit` hits pass.
-- KEYS[1] the limiter's hash: s = start of the current minute (ms), c = hits in it, p = hits in the minute before
-- ARGV[1] limit per minute
-- Returns {1, 0} when allowed, {0, seconds until the window surely has room} when not.
local MINUTE = 60000
local limit = tonumber(ARGV[1])
local now = now_ms()
local start = now - now % MINUTE
local w = redis.call('HMGET', KEYS[1], 's', 'c', 'p')
local s, c, p = tonumber(w[1]), tonumber(w[2]) or 0, tonumber(w[3]) or 0
if s == nil or s < start then
  if s == start - MINUTE then p = c else p = 0 end
  c = 0
elseif s > start then
  -- The clock went back (a failover to a server whose clock is behind): keep counting in the stored minute.
  start = s
end
local elapsed = math.max(0, now - start)
if p * (1 - elapsed / MINUTE) + c + 1 > limit then
  return {0, math.max(1, math.ceil((MINUTE - elapsed) / 1000))}
end
redis.call('HSET', KEYS[1], 's', start, 'c', c + 1, 'p', p)
redis.call('PEXPIRE', KEYS[1], 2 * MINUTE)
return {1, 0}
