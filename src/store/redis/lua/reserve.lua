-- Check a customer's budgets and hold an amount, in one step.
-- Admits when for every limit used < limit and used + amount <= limit (within
-- eps), used = committed spend in the limit's window + holds of other calls;
-- then holds `amount` under `id`.
--
-- Keys below KEYS[1] (the customer's base), derived here:
--   :h  holds (hash id -> USD)        :e  hold expiries (zset id -> ms)
--   :w  windows known (hash name -> 'start:end', ':' for all time)
--   :s:<epoch>:<name>  committed spend of a window, seeded from the database, expiring after spend ttl
--   :r:<epoch>:<name>  a read of that spend in progress (hash t = token, v = USD committed since it began)
-- KEYS[2] the spend epoch (bumped to make every gateway read spend again)
-- ARGV: id, amount, hold ttl ms, spend ttl ms, read ttl ms, eps,
--   then per limit: window name, start, end ('' for all time), limit, seed USD or '', token of the read it came from or ''
-- Returns {'ok', 0, held, committed...} | {'no', i, held, committed...}
--   | {'read', 0, '', i, token, ...}: the windows whose spend the gateway must read from the database,
--     each with the token to hand back with the value it reads.
local base, id, amount = KEYS[1], ARGV[1], tonumber(ARGV[2])
local hold_ttl, spend_ttl, read_ttl, eps = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local H, E, W = base .. ':h', base .. ':e', base .. ':w'
local epoch = redis.call('GET', KEYS[2]) or '0'
local now = now_ms()
local function fmt(x) return string.format('%.17g', x) end

local expired = redis.call('ZRANGEBYSCORE', E, '-inf', now)
for i = 1, #expired do redis.call('HDEL', H, expired[i]) end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', E, '-inf', now) end
local held = 0
local holds = redis.call('HGETALL', H)
for i = 1, #holds, 2 do
  if holds[i] ~= id then held = held + tonumber(holds[i + 1]) end
end

local n = (#ARGV - 6) / 6
local committed, reads = {}, {}
for i = 1, n do
  local a = 6 + (i - 1) * 6
  local name, seed, token = ARGV[a + 1], ARGV[a + 5], ARGV[a + 6]
  local S = base .. ':s:' .. epoch .. ':' .. name
  local R = base .. ':r:' .. epoch .. ':' .. name
  local v = redis.call('GET', S)
  if v then
    committed[i] = tonumber(v)
  else
    local read = redis.call('HMGET', R, 't', 'v')
    if seed ~= '' and read[1] == token then
      -- The read began after R was made, so whatever was committed since is in R's v or in the read;
      -- both is possible and counts twice until the spend expires, which refuses early, never late.
      committed[i] = tonumber(seed) + tonumber(read[2])
      redis.call('SET', S, fmt(committed[i]), 'PX', spend_ttl)
      redis.call('DEL', R)
    else
      if not read[1] then
        read[1] = now .. '.' .. i
        redis.call('HSET', R, 't', read[1], 'v', '0')
        redis.call('PEXPIRE', R, read_ttl)
      end
      reads[#reads + 1] = i
      reads[#reads + 1] = read[1]
    end
    redis.call('HSET', W, name, ARGV[a + 2] .. ':' .. ARGV[a + 3])
    redis.call('PEXPIRE', W, math.max(spend_ttl, read_ttl))
  end
end
if #reads > 0 then return {'read', 0, '', unpack(reads)} end

local reply = {'ok', 0, fmt(held)}
for i = 1, n do reply[3 + i] = fmt(committed[i]) end
for i = 1, n do
  local used = committed[i] + held
  if not (used + eps < tonumber(ARGV[6 + (i - 1) * 6 + 4]) and used + amount <= tonumber(ARGV[6 + (i - 1) * 6 + 4]) + eps) then
    reply[1], reply[2] = 'no', i
    return reply
  end
end
redis.call('HSET', H, id, ARGV[2])
redis.call('ZADD', E, now + hold_ttl, id)
redis.call('PEXPIRE', H, hold_ttl)
redis.call('PEXPIRE', E, hold_ttl)
return reply
