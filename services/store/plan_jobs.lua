-- Plan alerts' reminders and escalations once each: the first call for an alert plans them, every
-- later call (a redelivery, another notifier raising the same alert) finds its marker and does
-- nothing, so a job that already ran is never planned again.
--
-- KEYS[1] the schedule (job ids by due time, ms)   KEYS[2] the jobs (id -> JSON)
-- KEYS[2 + i] alert i's "planned" marker
-- ARGV, alert after alert: how long its marker lives (s), how many jobs it has, then per job: job id, due (ms),
-- job JSON
--
-- Returns one 1 (planned now) or 0 (it had been) per alert.
local planned = {}
local a = 1
for i = 1, #KEYS - 2 do
  local jobs = tonumber(ARGV[a + 1])
  if redis.call('SET', KEYS[2 + i], '1', 'NX', 'EX', ARGV[a]) then
    for j = a + 2, a + 1 + 3 * jobs, 3 do
      redis.call('ZADD', KEYS[1], ARGV[j + 1], ARGV[j])
      redis.call('HSET', KEYS[2], ARGV[j], ARGV[j + 2])
    end
    planned[i] = 1
  else
    planned[i] = 0
  end
  a = a + 2 + 3 * jobs
end
return planned
