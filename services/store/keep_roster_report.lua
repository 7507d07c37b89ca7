-- Keep a facility's roster report, unless a newer roster's (or this roster's) is kept already.
--
-- KEYS[1] the facility's roster report hash
-- ARGV[1] roster_id   ARGV[2] as_of (ms since the epoch)   ARGV[3] the report JSON
--
-- Returns 1 when kept, 0 when the hash holds this roster's report (a redelivery: the first
-- stands) or the report of a roster drawn up later (a roster that arrives late is not the latest).
local current = redis.call('HMGET', KEYS[1], 'roster_id', 'as_of_ms')
if current[1] == ARGV[1] then
  return 0
end
if current[2] and tonumber(current[2]) > tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[1], 'roster_id', ARGV[1], 'as_of_ms', ARGV[2], 'report', ARGV[3])
return 1
