-- Release held alerts: each one still held is listed, joins its story and is published, as a newly
-- created alert is (create_alerts.lua), and waits in the leaving-hold set until its reminders are planned. A
-- release schedule closed by then (its stream message '') is listed and joins its story, never announced.
--
-- KEYS[1] the alert stream   KEYS[2] the facility's held alerts   KEYS[3] the alerts leaving a hold
-- KEYS[4 + 9(i-1) .. +8]   for alert i: its four listings, its story's alerts, the story listing, its office's,
--                          the release listings of its release status (all offices', its office's)
-- ARGV[5(i-1) + 1 .. +4]   for alert i: alert_id, listing score (ms raised), stream message JSON (or ''), story id,
--                          '1' when it is a release schedule (listed in the release listings too), else '0'
--
-- Returns one 1 (released now) or 0 (not held: released or discarded before) per alert.
local released = {}
for i = 1, (#KEYS - 3) / 9 do
  local k = 4 + (i - 1) * 9
  local a = 1 + (i - 1) * 5
  if redis.call('ZREM', KEYS[2], ARGV[a]) == 1 then
    for j = 0, 3 do
      redis.call('ZADD', KEYS[k + j], ARGV[a + 1], ARGV[a])
    end
    redis.call('ZADD', KEYS[k + 4], ARGV[a + 1], ARGV[a])
    redis.call('ZADD', KEYS[k + 5], 'GT', ARGV[a + 1], ARGV[a + 3])
    redis.call('ZADD', KEYS[k + 6], 'GT', ARGV[a + 1], ARGV[a + 3])
    if ARGV[a + 4] == '1' then
      redis.call('ZADD', KEYS[k + 7], ARGV[a + 1], ARGV[a])
      redis.call('ZADD', KEYS[k + 8], ARGV[a + 1], ARGV[a])
    end
    if ARGV[a + 2] ~= '' then
      redis.call('XADD', KEYS[1], '*', '__data__', ARGV[a + 2], 'type', 'alert_raised', 'alert_id', ARGV[a])
    end
    redis.call('ZADD', KEYS[3], ARGV[a + 1], ARGV[a])
    released[i] = 1
  else
    released[i] = 0
  end
end
return released
