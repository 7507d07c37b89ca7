-- Plan an alert's reminders and escalations once: the first call for an alert plans them, every
-- later call (a redelivery, another notifier raising the same alert) finds the marker and does
-- nothing, so a job that already ran is never planned again.
--
-- KEYS[1] the schedule (job ids by due time, ms)   KEYS[2] the jobs (id -> JSON)
-- KEYS[3] the alert's "planned" marker
-- ARGV[1] how long the marker lives (s), then per job: job id, due (ms), job JSON
--
-- Returns 1 when planned now, 0 when it had been.
if not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[1]) then
  return 0
end
for i = 2, #ARGV, 3 do
  redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
end
return 1
