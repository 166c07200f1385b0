-- Appends an invalidation to the log and wakes the subscribers. The wake-up
-- names the entry before it, so a subscriber that missed one (its
-- subscription dropped) sees the gap and reads the log from where it was.
-- KEYS[1] the log (a stream); ARGV: message, approximate length kept, channel
-- Returns the entry's id.
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local prev = '0-0'
if #last > 0 then prev = last[1][1] end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'm', ARGV[1])
redis.call('PUBLISH', ARGV[3], prev .. ' ' .. id .. ' ' .. ARGV[1])
return id
