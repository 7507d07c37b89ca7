-- Create each alert once, held: its record only, filed under its facility's held alerts. No listing,
-- no story, no stream entry (no channel sees it) until an operator releases the hold.
--
-- KEYS[2i-1], KEYS[2i]   for alert i: the record, the facility's held alerts
-- ARGV[3i-2 .. 3i]       for alert i: alert_id, record JSON, score (ms raised)
--
-- Returns one 1 (created now, held) or 0 (it existed: nothing changed) per alert.
local created = {}
for i = 1, #KEYS / 2 do
  if redis.call('SET', KEYS[2 * i - 1], ARGV[3 * i - 1], 'NX') then
    redis.call('ZADD', KEYS[2 * i], ARGV[3 * i], ARGV[3 * i - 2])
    created[i] = 1
  else
    created[i] = 0
  end
end
return created
