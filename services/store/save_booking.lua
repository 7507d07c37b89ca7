-- Save a booking's state if nobody saved it since it was read (compare and set).
--
-- KEYS[1] the booking hash
-- ARGV[1] the version read ("0" when it did not exist)  ARGV[2] the new version
-- ARGV[3] the state as stored (compact JSON, store/compact_json.py)   ARGV[4] seconds to keep it ("" to keep it for good)
--
-- Returns 1 when saved, 0 when the version moved on (the caller reads again).
local current = redis.call('HGET', KEYS[1], 'version') or '0'
if current ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'state', ARGV[3])
if ARGV[4] == '' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
end
return 1
