-- Replaces a live hold's amount with the call's real cost and restarts its expiry.
-- KEYS[1] the customer's base (see reserve.lua); ARGV: id, nano-dollars, hold ttl ms
local base, id = KEYS[1], ARGV[1]
local now = now_ms()
expire_holds(base, now)
if not redis.call('HGET', base .. ':h', id) then return 0 end
put_hold(base, id, tonumber(ARGV[2]), now, tonumber(ARGV[3]))
return 1
