-- Spans now committed to the database: drop their holds, and add what they
-- cost to every window of their customer that holds their timestamp (to the
-- read in progress when the window's spend is being read). Hold and spend
-- change in one step, so no decision sees the hold gone and the spend missing.
-- KEYS[1] the spend epoch
-- ARGV: per customer: base (see reserve.lua), count, then count x (timestamp ms, billed USD, reservation id or '')
local epoch = redis.call('GET', KEYS[1]) or '0'
local a = 1
while a <= #ARGV do
  local base, count = ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  local W = base .. ':w'
  local windows = redis.call('HGETALL', W)
  for _ = 1, count do
    local ts, billed, rid = tonumber(ARGV[a]), ARGV[a + 1], ARGV[a + 2]
    a = a + 3
    if rid ~= '' then drop_hold(base, rid) end
    if tonumber(billed) ~= 0 then
      for w = 1, #windows, 2 do
        local name, range = windows[w], windows[w + 1]
        local sep = string.find(range, ':', 1, true)
        local inside = range == ':' or (ts >= tonumber(string.sub(range, 1, sep - 1)) and ts < tonumber(string.sub(range, sep + 1)))
        if inside then
          local S = base .. ':s:' .. epoch .. ':' .. name
          local R = base .. ':r:' .. epoch .. ':' .. name
          if redis.call('EXISTS', S) == 1 then
            redis.call('INCRBYFLOAT', S, billed)
          elseif redis.call('EXISTS', R) == 1 then
            redis.call('HINCRBYFLOAT', R, 'v', billed)
          else
            redis.call('HDEL', W, name)
          end
        end
      end
    end
  end
end
return 1
