-- Helpers every script is sent with (scripts.ts puts this file in front).

-- The server's clock in epoch ms: every gateway decides on the same time.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A customer's holds: hash <base>:h of reservation id -> whole nano-dollars,
-- with their sum under the empty field (no reservation id is empty), so a
-- decision reads one field however many calls are in flight, and whole
-- numbers keep that sum exact; zset <base>:e of id -> expiry (ms).
local function drop_hold(base, id)
  local amount = redis.call('HGET', base .. ':h', id)
  if not amount then return end
  redis.call('HDEL', base .. ':h', id)
  redis.call('HINCRBY', base .. ':h', '', -tonumber(amount))
  redis.call('ZREM', base .. ':e', id)
end

-- Drops the holds whose time is up.
local function expire_holds(base, now)
  local expired = redis.call('ZRANGEBYSCORE', base .. ':e', '-inf', now)
  for i = 1, #expired do drop_hold(base, expired[i]) end
end

-- Holds `nano` under `id` (replacing what it held) until now + ttl; both keys live as long as the newest hold.
local function put_hold(base, id, nano, now, ttl)
  drop_hold(base, id)
  redis.call('HSET', base .. ':h', id, nano)
  redis.call('HINCRBY', base .. ':h', '', nano)
  redis.call('ZADD', base .. ':e', now + ttl, id)
  redis.call('PEXPIRE', base .. ':h', ttl)
  redis.call('PEXPIRE', base .. ':e', ttl)
end
