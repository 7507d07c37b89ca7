-- Record a person's review on an alert if it is still exactly as the caller read it (compare and
-- swap): the reviewed record, its move between status listings and the review message, together.
--
-- KEYS[1] the alert record   KEYS[2] the review stream
-- KEYS[3..4] the status listings it leaves   KEYS[5..6] the status listings it joins (the same when
--            its status does not change)
-- ARGV[1] alert_id  ARGV[2] record as read  ARGV[3] reviewed record  ARGV[4] listing score (ms)
-- ARGV[5] review message JSON
--
-- Returns {1, stream id} when recorded now, {0, current record} when it changed since it was read
-- (the caller reads again), {-1} when missing.
local current = redis.call('GET', KEYS[1])
if not current then
  return {-1}
end
if current ~= ARGV[2] then
  return {0, current}
end
redis.call('SET', KEYS[1], ARGV[3])
if KEYS[3] ~= KEYS[5] then
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
  redis.call('ZADD', KEYS[5], ARGV[4], ARGV[1])
  redis.call('ZADD', KEYS[6], ARGV[4], ARGV[1])
end
local id = redis.call('XADD', KEYS[2], '*', '__data__', ARGV[5], 'type', 'alert_reviewed', 'alert_id', ARGV[1])
return {1, id}
