-- Replaces a live hold's amount with the call's real cost and restarts its expiry.
-- KEYS[1] the customer's base (see reserve.lua); ARGV: id, amount, hold ttl ms
local H, E = KEYS[1] .. ':h', KEYS[1] .. ':e'
local now = now_ms()
local expires = redis.call('ZSCORE', E, ARGV[1])
if not expires or tonumber(expires) <= now then return 0 end
local ttl = tonumber(ARGV[3])
redis.call('HSET', H, ARGV[1], ARGV[2])
redis.call('ZADD', E, now + ttl, ARGV[1])
redis.call('PEXPIRE', H, ttl)
redis.call('PEXPIRE', E, ttl)
return 1
