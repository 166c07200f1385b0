-- Drops a hold. KEYS[1] the customer's base (see reserve.lua); ARGV[1] id
redis.call('HDEL', KEYS[1] .. ':h', ARGV[1])
redis.call('ZREM', KEYS[1] .. ':e', ARGV[1])
return 1
