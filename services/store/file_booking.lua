-- File a booking under one blocking key (or unfile it), and keep the index bounded.
--
-- KEYS[1] the sorted set of one blocking key: booking keys scored by when they expire (ms, or inf)
-- ARGV[1] booking key   ARGV[2] "file" or "unfile"   ARGV[3] expiry (ms, or "+inf")   ARGV[4] now (ms)
--
-- Expired bookings are dropped, and the set itself expires with its last booking.
if ARGV[2] == 'file' then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last == 0 then
  return 0
end
if last[2] == 'inf' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIREAT', KEYS[1], math.floor(tonumber(last[2])))
end
return 1
