-- Stores a cache entry within the cache's byte budget. Entries expire by
-- their own TTL; to make room, the entries closest to expiring go first.
-- Only entries carry a TTL: with Redis's default noeviction policy nothing
-- else is ever evicted, and this script keeps the cache from filling Redis.
-- KEYS: entry, expiry index (zset entry -> ms), sizes (hash entry -> bytes), total bytes
-- ARGV: value, ttl ms, size, max total bytes
-- Returns 1 when stored, 0 when the entry alone is over the budget.
local entry, index, sizes, total = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local size, max = tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
local function drop(member)
  redis.call('DECRBY', total, tonumber(redis.call('HGET', sizes, member) or '0'))
  redis.call('HDEL', sizes, member)
  redis.call('ZREM', index, member)
  redis.call('DEL', member)
end
-- Expired entries are gone already; their bookkeeping goes a few at a time.
for _, member in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', now, 'LIMIT', 0, 64)) do drop(member) end
if redis.call('HEXISTS', sizes, entry) == 1 then drop(entry) end
if size > max then return 0 end
while tonumber(redis.call('GET', total) or '0') + size > max do
  local victim = redis.call('ZRANGE', index, 0, 0)[1]
  if not victim then break end
  drop(victim)
end
redis.call('SET', entry, ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', index, now + tonumber(ARGV[2]), entry)
redis.call('HSET', sizes, entry, size)
redis.call('INCRBY', total, size)
return 1
