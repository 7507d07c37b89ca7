-- Keep a person's review decision with a booking if nobody saved the booking since it was read
-- (compare and set, on the version save_booking.lua uses: a state saved meanwhile, or a decision,
-- makes the other writer read again, so neither acts on a copy without the other's write).
--
-- KEYS[1] the booking hash
-- ARGV[1] the version read ("0" when it did not exist)  ARGV[2] the new version
-- ARGV[3] the review field  ARGV[4] the review JSON
-- ARGV[5] seconds to keep a booking hash this creates (one whose state expired or never came)
--
-- Returns 1 when saved, 0 when the version moved on (the caller reads again).
local current = redis.call('HGET', KEYS[1], 'version') or '0'
if current ~= ARGV[1] then
  return 0
end
local existed = redis.call('EXISTS', KEYS[1])
redis.call('HSET', KEYS[1], 'version', ARGV[2], ARGV[3], ARGV[4])
if existed == 0 then
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
end
return 1
