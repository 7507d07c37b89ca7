-- File and unfile bookings under many blocking keys of one hash tag in one call, and keep each set bounded.
--
-- KEYS       the sorted sets of blocking keys, all of one tag: booking keys scored by when they expire (ms, or inf)
-- ARGV[1]    now (ms)
-- ARGV[2..]  one filing per four arguments: the index of its set in KEYS (1-based), the booking key,
--            "file", "unfile" or "keep" (file unless already filed there: an upgrade's copy never overrides
--            a filing), and the expiry (ms, or "+inf"; unused by "unfile")
--
-- Then, in every set: expired bookings are dropped, and the set itself expires with its last booking.
-- Answers how many of the sets still file a booking.
local now = ARGV[1]
for i = 2, #ARGV, 4 do
  local key = KEYS[tonumber(ARGV[i])]
  local op = ARGV[i + 2]
  if op == 'file' then
    redis.call('ZADD', key, ARGV[i + 3], ARGV[i + 1])
  elseif op == 'keep' then
    redis.call('ZADD', key, 'NX', ARGV[i + 3], ARGV[i + 1])
  else
    redis.call('ZREM', key, ARGV[i + 1])
  end
end
local filing = 0
for _, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. now)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if #last > 0 then
    filing = filing + 1
    if last[2] == 'inf' then
      redis.call('PERSIST', key)
    else
      redis.call('PEXPIREAT', key, math.floor(tonumber(last[2])))
    end
  end
end
return filing
