-- Check a customer's budgets and hold an amount, in one step.
-- Admits when for every limit used < limit and used + amount <= limit (within
-- eps), used = committed spend in the limit's window + holds of other calls;
-- then holds `amount` under `id`.
--
-- Keys below KEYS[1] (the customer's base), derived here:
--   :h, :e  holds and their expiries (see lib.lua)
--   :w  windows known (hash name -> 'start:end', ':' for all time)
--   :s:<epoch>:<name>  committed spend of a window, seeded from the database, expiring after spend ttl
--   :r:<epoch>:<name>  a read of that spend in progress (hash t = token, v = USD committed since it began)
-- KEYS[2] the spend epoch (bumped to make every gateway read spend again)
-- ARGV: id, amount in nano-dollars, hold ttl ms, spend ttl ms, read ttl ms, eps,
--   then per limit: window name, start, end ('' for all time), limit, seed USD or '', token of the read it came from or ''
-- Returns {'ok', 0, held, committed...} | {'no', i, held, committed...} (USD, held = by others)
--   | {'read', 0, '', i, token, ...}: the windows whose spend the gateway must read from the database,
--     each with the token to hand back with the value it reads.
local base, id, nano = KEYS[1], ARGV[1], tonumber(ARGV[2])
local hold_ttl, spend_ttl, read_ttl, eps = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local W = base .. ':w'
local epoch = redis.call('GET', KEYS[2]) or '0'
local now = now_ms()
local function fmt(x) return string.format('%.17g', x) end

expire_holds(base, now)
local sums = redis.call('HMGET', base .. ':h', '', id)
local held = ((tonumber(sums[1]) or 0) - (tonumber(sums[2]) or 0)) / 1e9
local amount = nano / 1e9

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
  local limit = tonumber(ARGV[6 + (i - 1) * 6 + 4])
  local used = committed[i] + held
  if not (used + eps < limit and used + amount <= limit + eps) then
    reply[1], reply[2] = 'no', i
    return reply
  end
end
put_hold(base, id, nano, now, hold_ttl)
return reply
