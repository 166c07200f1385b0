-- Drops a hold. KEYS[1] the customer's base (see reserve.lua); ARGV[1] id
drop_hold(KEYS[1], ARGV[1])
return 1
