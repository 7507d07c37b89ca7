-- Write a person's acknowledgement or resolution of an alert if the record is still exactly as the
-- caller read it (compare and swap): the updated record (its timeline included) and its move between
-- status listings, together.
--
-- KEYS[1] the alert record
-- KEYS[2..3] the status listings it leaves   KEYS[4..5] the status listings it joins (the same when
--            its status does not change)
-- ARGV[1] alert_id  ARGV[2] record as read  ARGV[3] updated record  ARGV[4] listing score (ms)
--
-- Returns {1} when written now, {0, current record} when it changed since it was read (the caller
-- reads again), {-1} when missing.
local current = redis.call('GET', KEYS[1])
if not current then
  return {-1}
end
if current ~= ARGV[2] then
  return {0, current}
end
redis.call('SET', KEYS[1], ARGV[3])
if KEYS[2] ~= KEYS[4] then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
  redis.call('ZADD', KEYS[5], ARGV[4], ARGV[1])
end
return {1}
