-- Release held alerts: each one still held is listed, joins its story and is published, as a newly
-- created alert is (create_alerts.lua), and waits in the leaving-hold set until its reminders are planned.
--
-- KEYS[1] the alert stream   KEYS[2] the facility's held alerts   KEYS[3] the alerts leaving a hold
-- KEYS[4 + 7(i-1) .. +6]   for alert i: its four listings, its story's alerts, the story listing, its office's
-- ARGV[4(i-1) + 1 .. +3]   for alert i: alert_id, listing score (ms raised), stream message JSON, story id
--
-- Returns one 1 (released now) or 0 (not held: released or discarded before) per alert.
local released = {}
for i = 1, (#KEYS - 3) / 7 do
  local k = 4 + (i - 1) * 7
  local a = 1 + (i - 1) * 4
  if redis.call('ZREM', KEYS[2], ARGV[a]) == 1 then
    for j = 0, 3 do
      redis.call('ZADD', KEYS[k + j], ARGV[a + 1], ARGV[a])
    end
    redis.call('ZADD', KEYS[k + 4], ARGV[a + 1], ARGV[a])
    redis.call('ZADD', KEYS[k + 5], 'GT', ARGV[a + 1], ARGV[a + 3])
    redis.call('ZADD', KEYS[k + 6], 'GT', ARGV[a + 1], ARGV[a + 3])
    redis.call('XADD', KEYS[1], '*', '__data__', ARGV[a + 2], 'type', 'alert_raised', 'alert_id', ARGV[a])
    redis.call('ZADD', KEYS[3], ARGV[a + 1], ARGV[a])
    released[i] = 1
  else
    released[i] = 0
  end
end
return released
