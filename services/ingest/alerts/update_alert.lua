-- Write a person's step on an alert (a review, an acknowledgement, a resolution) if the record is
-- still exactly as the caller read it (compare and swap): the updated record (its timeline
-- included), its move between status listings and, when given, the message announcing it, together.
--
-- KEYS[1] the alert record
-- KEYS[2..3] the status listings it leaves   KEYS[4..5] the status listings it joins (the same when
--            its status does not change)
-- KEYS[6] (optional) the stream to announce it on
-- ARGV[1] alert_id  ARGV[2] record as read  ARGV[3] updated record  ARGV[4] listing score (ms)
-- ARGV[5], ARGV[6] (with KEYS[6]) the message JSON and its type
--
-- Returns {1} or {1, stream id} when written now, {0, current record} when it changed since it was
-- read (the caller reads again), {-1} when missing.
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
if KEYS[6] then
  local id = redis.call('XADD', KEYS[6], '*', '__data__', ARGV[5], 'type', ARGV[6], 'alert_id', ARGV[1])
  return {1, id}
end
return {1}
