-- Keep what intake knows of a booking under a sharing policy, if nobody kept it since it was read
-- (compare and set); for an event the policy withheld, also its receipt and its count, once.
--
-- KEYS[1] the booking's policy hash   KEYS[2] the withheld event's receipt   KEYS[3] the facility's counts
-- KEYS[4] the facility's roster terms (all four under the facility's hash tag)
-- ARGV[1] the version read ("0": it did not exist)   ARGV[2] the state JSON ("": forget the booking)
-- ARGV[3] when to forget it (ms since the epoch)
-- ARGV[4] the booking number   ARGV[5] what a roster must say of it (JSON; "": nothing)
-- ARGV[6] "1" when the event was withheld, else "0"; then:
-- ARGV[7] the event's digest   ARGV[8] the answer JSON   ARGV[9] when withheld (RFC 3339)
-- ARGV[10] the receipt's time-to-live (seconds)   ARGV[11] the count's field (<day> <rule>)
-- ARGV[12..] (ARGV[7..] for an event not withheld) the count fields to take one back from: held events
--         published now were not withheld after all (a field counting none is removed)
--
-- Returns {"saved"}; {"stale"} when the version moved on (nothing written: the caller reads again); or, for a
-- withheld event whose receipt exists already (a retry that raced), {"duplicate" | "conflict", answer} with
-- nothing written and nothing counted.
if ARGV[6] == '1' then
  local receipt = redis.call('HMGET', KEYS[2], 'digest', 'answer')
  if receipt[1] then
    if receipt[1] == ARGV[7] then
      return {'duplicate', receipt[2]}
    end
    return {'conflict', receipt[2]}
  end
end
local current = redis.call('HGET', KEYS[1], 'version') or '0'
if current ~= ARGV[1] then
  return {'stale'}
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'version', tostring(tonumber(current) + 1), 'state', ARGV[2])
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
end
if ARGV[2] == '' or ARGV[5] == '' then
  redis.call('HDEL', KEYS[4], ARGV[4])
else
  redis.call('HSET', KEYS[4], ARGV[4], ARGV[5])
end
if ARGV[6] == '1' then
  redis.call('HSET', KEYS[2], 'digest', ARGV[7], 'answer', ARGV[8], 'at', ARGV[9])
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[10]))
  redis.call('HINCRBY', KEYS[3], ARGV[11], 1)
end
local first_taken_back = 7
if ARGV[6] == '1' then
  first_taken_back = 12
end
for i = first_taken_back, #ARGV do
  if redis.call('HINCRBY', KEYS[3], ARGV[i], -1) <= 0 then
    redis.call('HDEL', KEYS[3], ARGV[i])
  end
end
return {'saved'}
