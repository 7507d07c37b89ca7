-- Run one due job exactly once: whoever removes it from the schedule does it, in the same call.
--
-- KEYS[1] the schedule   KEYS[2] the jobs   KEYS[3] the alert record   KEYS[4] the alert stream
-- ARGV[1] job id   ARGV[2] the alert record as read ('' if missing)
-- ARGV[3] the alert after the job ('' to drop the job: no longer called for)
-- ARGV[4] the stream message JSON   ARGV[5] the message type   ARGV[6] the alert id
--
-- Returns 1 done now, 2 dropped, 0 someone else ran it, -1 the alert changed since it was read
-- (the caller reads again next time).
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 2
end
local current = redis.call('GET', KEYS[3])
if (current or '') ~= ARGV[2] then
  return -1
end
redis.call('SET', KEYS[3], ARGV[3])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('XADD', KEYS[4], '*', '__data__', ARGV[4], 'type', ARGV[5], 'alert_id', ARGV[6])
return 1
