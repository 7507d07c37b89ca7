-- Create each alert once: its record, its four listings and its stream entry together.
--
-- KEYS[1]                     the alert stream
-- KEYS[2 + 5(i-1) .. +4]      for alert i: the record, then its four listings
-- ARGV[1 + 4(i-1) .. +3]      for alert i: alert_id, record JSON, listing score (ms), stream message JSON
--
-- Returns one 1 (created now) or 0 (it existed: nothing changed) per alert.
local created = {}
local count = (#KEYS - 1) / 5
for i = 1, count do
  local k = 2 + (i - 1) * 5
  local a = 1 + (i - 1) * 4
  if redis.call('SET', KEYS[k], ARGV[a + 1], 'NX') then
    for j = 1, 4 do
      redis.call('ZADD', KEYS[k + j], ARGV[a + 2], ARGV[a])
    end
    redis.call('XADD', KEYS[1], '*', '__data__', ARGV[a + 3], 'type', 'alert_raised', 'alert_id', ARGV[a])
    created[i] = 1
  else
    created[i] = 0
  end
end
return created
